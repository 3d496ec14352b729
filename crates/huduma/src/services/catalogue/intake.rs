//! Reading a catalogue a batch of service files at a time: each batch is parsed and
//! checked on every core, off the async runtime, while the caller stores or fetches the
//! next; then only what a node serves is kept, an entry and its words in the search
//! index, so that a national catalogue never sits in memory whole.

use super::hash;
use huduma_domain::catalogue::check::Rules;
use huduma_domain::catalogue::{Catalogue, Checker, IndexBuilder, Problem, SearchIndex, Service, ServiceEntry, SourceFile};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Service files read and checked together.
pub const BATCH: usize = 512;

/// A catalogue being read.
pub struct Intake {
    checker: Checker,
    index: IndexBuilder,
    entries: Vec<ServiceEntry>,
    /// (path, content hash) of every file, for the catalogue's digest.
    hashes: Vec<(String, String)>,
}

/// A checked service file: the file, its content hash, and its service when it parsed.
pub struct Checked {
    pub file: SourceFile,
    pub hash: String,
    pub service: Option<Service>,
}

/// What a finished intake gives: the catalogue as nodes serve it, its index, and the
/// digest of its files.
pub type Taken = (Catalogue<ServiceEntry>, SearchIndex, String);

impl Intake {
    /// Starts with `categories.toml` and the agency files.
    pub fn new(head: &[SourceFile]) -> Self {
        let checker = Checker::new(head);
        let index = IndexBuilder::new(checker.agencies(), checker.categories());
        let hashes = head.iter().map(|f| (f.path.clone(), hash(&f.text))).collect();
        Self { checker, index, entries: Vec::new(), hashes }
    }

    /// What [`parse`] checks each file against.
    pub fn rules(&self) -> Arc<Rules> {
        self.checker.rules()
    }

    /// Takes in a batch [`parse`] went through, in order: the checks across files
    /// (unique codes) and the digest.
    pub fn admit(&mut self, Parsed(files, outcomes): Parsed) -> Vec<Checked> {
        files
            .into_iter()
            .zip(outcomes)
            .map(|(file, (service, problems))| {
                self.checker.admit(&file, service.as_ref(), problems);
                let hash = hash(&file.text);
                self.hashes.push((file.path.clone(), hash.clone()));
                Checked { file, hash, service }
            })
            .collect()
    }

    /// Whether any file so far had a problem (then nothing will be served or stored, and
    /// the rest is only checked).
    pub fn has_problems(&self) -> bool {
        self.checker.has_problems()
    }

    /// Keeps what a node serves of a checked service.
    pub fn keep(&mut self, service: &Service) {
        self.index.add(service);
        self.entries.push(ServiceEntry::from(service));
    }

    /// The catalogue, its index and digest, or every problem found.
    pub fn finish(self) -> Result<Taken, Vec<Problem>> {
        let digest = digest_of(self.hashes);
        let catalogue = self.checker.finish(self.entries)?;
        Ok((catalogue, self.index.finish(), digest))
    }
}

/// One digest for a whole set of files, whatever order they come in: what nodes compare
/// to notice that another node imported something different.
fn digest_of(mut entries: Vec<(String, String)>) -> String {
    entries.sort_unstable();
    let mut digest = Sha256::new();
    for (path, hash) in entries {
        digest.update(path.as_bytes());
        digest.update([0]);
        digest.update(hash.as_bytes());
        digest.update([b'\n']);
    }
    super::hex(&digest.finalize())
}

type Outcome = (Option<Service>, Vec<Problem>);

/// A batch of files and what parsing each gave.
pub struct Parsed(Vec<SourceFile>, Vec<Outcome>);

impl Parsed {
    /// Whether the batch was empty (the files have run out).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses and checks a batch on every core, on the runtime's blocking threads (parsing is
/// most of an import's time): the caller awaits it while it stores the batch before.
pub fn parse(rules: Arc<Rules>, files: Vec<SourceFile>) -> tokio::task::JoinHandle<Parsed> {
    tokio::task::spawn_blocking(move || {
        let outcomes = parse_on_every_core(&rules, &files);
        Parsed(files, outcomes)
    })
}

fn parse_on_every_core(rules: &Rules, files: &[SourceFile]) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let size = files.len().div_ceil(threads).max(1);
    let run = |part: &[SourceFile]| part.iter().map(|f| rules.service(f)).collect::<Vec<_>>();
    std::thread::scope(|scope| {
        let mut parts = files.chunks(size);
        let first = parts.next();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || run(part))).collect();
        let mut outcomes = first.map(run).unwrap_or_default();
        for handle in others {
            outcomes.extend(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        outcomes
    })
}
