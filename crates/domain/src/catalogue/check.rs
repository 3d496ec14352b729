//! Strict checking of a whole catalogue: every problem with its file and line, and no
//! catalogue at all unless there are none.

use super::definition::{Action, ActionKind, Agency, CategoriesFile, Category, Condition, Field, FieldType, Service, ShortName, Text};
use super::entry::{Listing, ServiceEntry};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use toml::Spanned;

/// Roles that may take workflow actions: agency staff, or the applicant (only to resubmit).
pub const ROLES: [&str; 4] = ["officer", "supervisor", "agency_admin", "applicant"];
/// What `{…}` in a certificate template may name, besides `{answer.FIELD}`.
pub const CERTIFICATE_PLACEHOLDERS: [&str; 6] = ["name", "document_number", "reference", "serial", "issued_on", "valid_until"];
/// File types a document rule may accept.
pub const FILE_TYPES: [&str; 3] = ["pdf", "jpeg", "png"];
/// Largest upload a document rule may allow, in MB.
const MAX_UPLOAD_MB: f64 = 20.0;
/// States that belong to the portal (a draft, an application waiting for its fee), not to a workflow.
pub const RESERVED_STATES: [&str; 2] = ["draft", "awaiting_payment"];

/// A catalogue file: its path relative to the catalogue folder, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// `categories.toml`, `immigration/agency.toml`, `immigration/passport-ordinary.toml`.
    pub path: String,
    /// The TOML text.
    pub text: String,
}

/// One problem: where, and what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Explanation.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalogue/{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A fully valid catalogue: with whole service definitions as [`check`] returns it, or
/// with [`ServiceEntry`]s as nodes serve it.
#[derive(Debug, Clone)]
pub struct Catalogue<S = Service> {
    /// Categories in display order.
    pub categories: Vec<Category>,
    /// Agencies by name.
    pub agencies: Vec<Agency>,
    /// Services by name.
    pub services: Vec<S>,
    /// Code → position, so lookups stay O(1) at the real portal's 22,500 services.
    by_code: HashMap<String, usize>,
    agency_by_code: HashMap<String, usize>,
    category_by_code: HashMap<String, usize>,
}

impl<S> Default for Catalogue<S> {
    fn default() -> Self {
        Self {
            categories: Vec::new(),
            agencies: Vec::new(),
            services: Vec::new(),
            by_code: HashMap::new(),
            agency_by_code: HashMap::new(),
            category_by_code: HashMap::new(),
        }
    }
}

impl<S: Listing> Catalogue<S> {
    /// A catalogue of checked parts, in display order (agencies and services by name).
    pub fn new(categories: Vec<Category>, mut agencies: Vec<Agency>, mut services: Vec<S>) -> Self {
        agencies.sort_by(|a, b| a.name.get_ref().en.cmp(&b.name.get_ref().en));
        services.sort_by(|a, b| a.name_en().cmp(b.name_en()));
        services.shrink_to_fit();
        let by_code = services.iter().enumerate().map(|(i, s)| (s.code_str().to_owned(), i)).collect();
        let agency_by_code = agencies.iter().enumerate().map(|(i, a)| (a.code.get_ref().clone(), i)).collect();
        let category_by_code = categories.iter().enumerate().map(|(i, c)| (c.code.get_ref().clone(), i)).collect();
        Self { categories, agencies, services, by_code, agency_by_code, category_by_code }
    }

    /// A service by code.
    pub fn service(&self, code: &str) -> Option<&S> {
        self.by_code.get(code).map(|i| &self.services[*i])
    }

    /// An agency by code.
    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agency_by_code.get(code).map(|i| &self.agencies[*i])
    }

    /// A category by code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.category_by_code.get(code).map(|i| &self.categories[*i])
    }
}

impl Catalogue<Service> {
    /// The same catalogue with entries for services, as nodes serve it.
    pub fn into_entries(self) -> Catalogue<ServiceEntry> {
        let services = self.services.iter().map(ServiceEntry::from).collect();
        Catalogue::new(self.categories, self.agencies, services)
    }
}

/// Collects problems for one file.
struct Report<'a> {
    file: &'a SourceFile,
    problems: &'a mut Vec<Problem>,
}

impl Report<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.problems.push(Problem { file: self.file.path.clone(), line, message: message.into() });
    }

    fn at_span<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        self.at(spanned.span().start, message);
    }

    fn text(&mut self, text: &Spanned<Text>, what: &str) {
        let t = text.get_ref();
        if t.en.trim().is_empty() {
            self.at_span(text, format!("{what} has no English text (`en`)"));
        }
        if t.sw.trim().is_empty() {
            self.at_span(text, format!("{what} has no Kiswahili text (`sw`)"));
        }
    }

    fn code(&mut self, code: &Spanned<String>, what: &str) {
        let c = code.get_ref();
        let ok = !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || ch == '_');
        if !ok {
            self.at_span(code, format!("{what} code `{c}` must use only lower-case letters, digits, `-` and `_`"));
        }
    }

    /// The 1-based line of a byte offset in the file.
    fn line_of(&self, offset: usize) -> usize {
        self.file.text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
    }

    /// `seen` keeps the offset of each code's first use; its line is worked out only for
    /// a duplicate (counting lines for every code made checking quadratic in file size).
    fn unique<'s>(&mut self, seen: &mut HashMap<&'s str, usize>, code: &'s Spanned<String>, what: &str) {
        if let Some(first) = seen.insert(code.get_ref(), code.span().start) {
            let first = self.line_of(first);
            self.at_span(code, format!("duplicate {what} code `{}` (first used on line {first})", code.get_ref()));
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(file: &SourceFile, problems: &mut Vec<Problem>) -> Option<T> {
    match toml::from_str::<T>(&file.text) {
        Ok(value) => Some(value),
        Err(err) => {
            let offset = err.span().map_or(0, |s| s.start);
            let message = err.message().trim().replace('\n', " ");
            Report { file, problems }.at(offset, message);
            None
        }
    }
}

/// Whether a catalogue file defines a service (not `categories.toml`, not an `agency.toml`).
pub fn is_service_file(path: &str) -> bool {
    path.ends_with(".toml") && path.contains('/') && !path.ends_with("/agency.toml")
}

/// Checks every file and returns the catalogue, or every problem found.
pub fn check(files: &[SourceFile]) -> Result<Catalogue, Vec<Problem>> {
    let mut checker = Checker::new(files);
    let mut services = Vec::new();
    for file in files.iter().filter(|f| is_service_file(&f.path)) {
        let (service, problems) = checker.service(file);
        checker.admit(file, service.as_ref(), problems);
        services.extend(service);
    }
    checker.finish(services)
}

/// What a service file is checked against on its own: the catalogue's categories and
/// agencies.
#[derive(Debug, Default)]
pub struct Rules {
    category_codes: HashSet<String>,
    agency_codes: HashSet<String>,
}

impl Rules {
    /// Parses and checks one service file: the service when it parses, and the file's
    /// problems (its code's uniqueness is [`Checker::admit`]'s to check).
    pub fn service(&self, file: &SourceFile) -> (Option<Service>, Vec<Problem>) {
        let mut problems = Vec::new();
        let Some((folder, name)) = file.path.rsplit_once('/') else { return (None, problems) };
        let Some(mut service) = parse::<Service>(file, &mut problems) else { return (None, problems) };
        service.agency = folder.to_owned();
        let mut report = Report { file, problems: &mut problems };
        check_service(&mut report, &service, name.trim_end_matches(".toml"), &self.category_codes, &self.agency_codes);
        (Some(service), problems)
    }
}

/// Checks a catalogue one service file at a time, so that a large one never needs all its
/// files and definitions in memory at once: categories and agencies first ([`Checker::new`]),
/// then each service file ([`Checker::service`], which may run on several threads, and
/// [`Checker::admit`] in file order), then [`Checker::finish`].
#[derive(Debug)]
pub struct Checker {
    problems: Vec<Problem>,
    categories: Vec<Category>,
    agencies: Vec<Agency>,
    rules: std::sync::Arc<Rules>,
    /// Service code → the file and line that first used it.
    service_codes: HashMap<String, (String, usize)>,
}

impl Checker {
    /// Checks `categories.toml` and the `agency.toml` files among `files` (other files are
    /// left for [`Checker::service`]).
    pub fn new(files: &[SourceFile]) -> Self {
        let mut checker = Self {
            problems: Vec::new(),
            categories: Vec::new(),
            agencies: Vec::new(),
            rules: Default::default(),
            service_codes: HashMap::new(),
        };
        let mut rules = Rules::default();
        let problems = &mut checker.problems;
        match files.iter().find(|f| f.path == "categories.toml") {
            None => {
                problems.push(Problem { file: "categories.toml".into(), line: 1, message: "the catalogue has no categories.toml".into() })
            }
            Some(file) => {
                if let Some(parsed) = parse::<CategoriesFile>(file, problems) {
                    let mut report = Report { file, problems };
                    let mut seen = HashMap::new();
                    for category in &parsed.categories {
                        report.code(&category.code, "category");
                        report.unique(&mut seen, &category.code, "category");
                        report.text(&category.name, "the category name");
                        report.text(&category.description, "the category description");
                        rules.category_codes.insert(category.code.get_ref().clone());
                    }
                    checker.categories = parsed.categories;
                }
            }
        }
        for file in files.iter().filter(|f| f.path.ends_with("/agency.toml")) {
            let folder = file.path.trim_end_matches("/agency.toml");
            if let Some(agency) = parse::<Agency>(file, &mut checker.problems) {
                let mut report = Report { file, problems: &mut checker.problems };
                report.code(&agency.code, "agency");
                if agency.code.get_ref() != folder {
                    report.at_span(&agency.code, format!("agency code `{}` must equal its folder name `{folder}`", agency.code.get_ref()));
                }
                report.text(&agency.name, "the agency name");
                report.text(&agency.description, "the agency description");
                if !agency.acronym_means.is_empty() && !matches!(&agency.short_name, Some(ShortName::Same(s)) if !s.contains(' ')) {
                    report.at_span(&agency.code, "`acronym_means` needs a one-word `short_name` for both languages (the acronym)");
                }
                for office in &agency.offices {
                    report.text(&office.name, "the office name");
                    report.text(&office.hours, "the office hours");
                }
                rules.agency_codes.insert(folder.to_owned());
                checker.agencies.push(agency);
            }
        }
        checker.rules = std::sync::Arc::new(rules);
        checker
    }

    /// The checked agencies (valid only when [`Checker::finish`] finds no problem).
    pub fn agencies(&self) -> &[Agency] {
        &self.agencies
    }

    /// The checked categories.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// What checking a service file on its own needs, to share with other threads.
    pub fn rules(&self) -> std::sync::Arc<Rules> {
        self.rules.clone()
    }

    /// Parses and checks one service file on its own: the service when it parses, and
    /// the file's problems.
    pub fn service(&self, file: &SourceFile) -> (Option<Service>, Vec<Problem>) {
        self.rules.service(file)
    }

    /// Records a service file checked by [`Checker::service`]: its problems, and its
    /// service's code, which must be unique in the whole catalogue.
    pub fn admit(&mut self, file: &SourceFile, service: Option<&Service>, problems: Vec<Problem>) {
        self.problems.extend(problems);
        let Some(service) = service else { return };
        let mut report = Report { file, problems: &mut self.problems };
        let line = file.text.get(..service.code.span().start).map_or(1, |t| t.matches('\n').count() + 1);
        if let Some((first_file, first_line)) = self.service_codes.get(service.code.get_ref()) {
            report.at_span(
                &service.code,
                format!("duplicate service code `{}` (first used in catalogue/{first_file}:{first_line})", service.code.get_ref()),
            );
        } else {
            self.service_codes.insert(service.code.get_ref().clone(), (file.path.clone(), line));
        }
    }

    /// Whether a problem was found so far.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The catalogue of `services` (what the caller kept of each admitted service), or
    /// every problem found.
    pub fn finish<S: Listing>(self, services: Vec<S>) -> Result<Catalogue<S>, Vec<Problem>> {
        let mut problems = self.problems;
        if problems.is_empty() {
            Ok(Catalogue::new(self.categories, self.agencies, services))
        } else {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            Err(problems)
        }
    }
}

fn check_service(report: &mut Report<'_>, service: &Service, file_stem: &str, categories: &HashSet<String>, agencies: &HashSet<String>) {
    report.code(&service.code, "service");
    if service.code.get_ref() != file_stem {
        report.at_span(&service.code, format!("service code `{}` must equal the file name `{file_stem}.toml`", service.code.get_ref()));
    }
    if !agencies.contains(&service.agency) {
        report.at(0, format!("the folder `{}` has no agency.toml, so this service has no agency", service.agency));
    }
    if !categories.contains(service.category.get_ref()) {
        report.at_span(
            &service.category,
            format!("unknown category `{}`: add it to categories.toml or use an existing one", service.category.get_ref()),
        );
    }
    if service.account_types.get_ref().is_empty() {
        report.at_span(&service.account_types, "account_types is empty: say who may apply (citizen, resident, visitor)");
    }
    for (text, what) in [
        (&service.name, "the service name"),
        (&service.summary, "the summary"),
        (&service.description, "the description"),
        (&service.next_steps, "next_steps"),
    ] {
        report.text(text, what);
    }
    for step in &service.steps {
        report.text(step, "a step");
    }
    check_fee(report, service);
    check_form(report, service);
    check_documents(report, service);
    check_workflow(report, service);
}

fn check_fee(report: &mut Report<'_>, service: &Service) {
    let fee = service.fee.get_ref();
    if crate::Currency::parse(fee.currency.get_ref()).is_none() {
        report.at_span(&fee.currency, format!("currency `{}` is not accepted: use KES or USD", fee.currency.get_ref()));
    }
    if fee.free && (fee.amount.is_some() || !fee.options.is_empty()) {
        report.at_span(&service.fee, "a free service cannot also have an amount or priced options");
    }
    if !fee.free && fee.amount.is_none() && fee.options.is_empty() {
        report.at_span(&service.fee, "fee without amount: give `amount`, `free = true`, or priced `options`");
    }
    if let Some(amount) = &fee.amount
        && amount.get_ref().minor().is_none()
    {
        report.at_span(amount, "the amount is not a valid sum (whole units, or a string with up to 2 decimals)");
    }
    let mut seen = HashMap::new();
    for option in &fee.options {
        report.code(&option.code, "fee option");
        report.unique(&mut seen, &option.code, "fee option");
        report.text(&option.label, "the fee option label");
        match &option.amount {
            None => report.at_span(&option.code, format!("fee option `{}` has no amount", option.code.get_ref())),
            Some(amount) if amount.get_ref().minor().is_none() => report.at_span(amount, "the amount is not a valid sum"),
            Some(_) => {}
        }
    }
}

/// Checks a condition against the fields before it.
fn check_condition(report: &mut Report<'_>, condition: &Spanned<Condition>, earlier: &[&Field], what: &str) {
    let c = condition.get_ref();
    let Some(target) = earlier.iter().find(|f| f.code.get_ref() == &c.field) else {
        report.at_span(condition, format!("{what} refers to the field `{}`, which does not exist before it in the form", c.field));
        return;
    };
    let allowed: Vec<&str> = if target.kind == FieldType::YesNo {
        vec!["yes", "no"]
    } else if target.kind.has_options() {
        target.options.iter().map(|o| o.value.get_ref().as_str()).collect()
    } else {
        return;
    };
    if !allowed.contains(&c.equals.as_str()) {
        report.at_span(condition, format!("{what}: `{}` is not an answer of `{}` (one of: {})", c.equals, c.field, allowed.join(", ")));
    }
}

fn check_form(report: &mut Report<'_>, service: &Service) {
    let mut pages = HashMap::new();
    let mut fields = HashMap::new();
    let mut earlier: Vec<&Field> = Vec::new();
    for page in &service.pages {
        report.code(&page.code, "page");
        report.unique(&mut pages, &page.code, "page");
        report.text(&page.title, "the page title");
        for field in &page.fields {
            report.code(&field.code, "field");
            report.unique(&mut fields, &field.code, "field");
            report.text(&field.label, "the field label");
            if let Some(hint) = &field.hint {
                report.text(hint, "the field hint");
            }
            if field.kind.has_options() && field.options.is_empty() {
                report.at_span(&field.code, format!("field `{}` is a {:?} field but has no options", field.code.get_ref(), field.kind));
            }
            if !field.kind.has_options() && !field.options.is_empty() {
                report.at_span(
                    &field.code,
                    format!("field `{}` has options, but only select, radio and checkbox fields take them", field.code.get_ref()),
                );
            }
            let mut values = HashMap::new();
            for option in &field.options {
                report.unique(&mut values, &option.value, "option");
                report.text(&option.label, "the option label");
            }
            if let (Some(min), Some(max)) = (field.min_length, field.max_length)
                && min > max
            {
                report.at_span(&field.code, format!("field `{}`: min_length is above max_length", field.code.get_ref()));
            }
            if let Some(condition) = &field.show_when {
                check_condition(report, condition, &earlier, &format!("show_when of `{}`", field.code.get_ref()));
            }
            if let Some(prefill) = &field.prefill
                && !prefill.get_ref().fits(field.kind)
            {
                report.at_span(
                    prefill,
                    format!(
                        "field `{}` is a {:?} field and cannot be filled with {:?}",
                        field.code.get_ref(),
                        field.kind,
                        prefill.get_ref()
                    ),
                );
            }
            if let Some(pattern) = &field.pattern
                && regex::Regex::new(pattern).is_err()
            {
                report.at_span(&field.code, format!("field `{}`: the pattern is not a valid regular expression", field.code.get_ref()));
            }
            earlier.push(field);
        }
    }
}

fn check_documents(report: &mut Report<'_>, service: &Service) {
    let all_fields: Vec<&Field> = service.fields().collect();
    let mut seen = HashMap::new();
    for document in &service.documents {
        report.code(&document.code, "document");
        report.unique(&mut seen, &document.code, "document");
        report.text(&document.label, "the document label");
        if document.types.is_empty() {
            report.at_span(
                &document.code,
                format!("document `{}` accepts no file type: list some of {}", document.code.get_ref(), FILE_TYPES.join(", ")),
            );
        }
        for kind in &document.types {
            if !FILE_TYPES.contains(&kind.get_ref().as_str()) {
                report.at_span(kind, format!("unknown file type `{}`: use {}", kind.get_ref(), FILE_TYPES.join(", ")));
            }
        }
        match &document.max_size_mb {
            None => report.at_span(&document.code, format!("document `{}` has no max_size_mb", document.code.get_ref())),
            Some(size) if !(*size.get_ref() > 0.0 && *size.get_ref() <= MAX_UPLOAD_MB) => {
                report.at_span(size, format!("max_size_mb must be above 0 and at most {MAX_UPLOAD_MB}"))
            }
            Some(_) => {}
        }
        if let Some(condition) = &document.required_when {
            if document.required {
                report.at_span(condition, "a document is either `required = true` or `required_when`, not both");
            }
            check_condition(report, condition, &all_fields, &format!("required_when of document `{}`", document.code.get_ref()));
        }
    }
}

fn check_workflow(report: &mut Report<'_>, service: &Service) {
    let workflow = &service.workflow;
    let mut states = HashMap::new();
    for state in &workflow.states {
        report.code(&state.code, "state");
        report.unique(&mut states, &state.code, "state");
        report.text(&state.label, "the state label");
        if RESERVED_STATES.contains(&state.code.get_ref().as_str()) {
            report.at_span(
                &state.code,
                format!("`{}` is a state the portal itself uses before the agency's workflow starts", state.code.get_ref()),
            );
        }
        if !state.is_final && state.sla_days.is_none() {
            report.at_span(&state.code, format!("state `{}` needs sla_days (working days the agency has in it)", state.code.get_ref()));
        }
    }
    let known: HashSet<&str> = workflow.states.iter().map(|s| s.code.get_ref().as_str()).collect();
    if !known.contains(workflow.start.get_ref().as_str()) {
        report.at_span(&workflow.start, format!("the start state `{}` is not one of the states", workflow.start.get_ref()));
    }
    if !workflow.states.iter().any(|s| s.is_final) {
        report.at_span(&workflow.start, "the workflow has no final state, so no application could ever finish");
    }
    let mut actions = HashMap::new();
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for action in &workflow.actions {
        report.code(&action.code, "action");
        report.unique(&mut actions, &action.code, "action");
        report.text(&action.label, "the action label");
        match &action.role {
            None => report.at_span(
                &action.code,
                format!("action `{}` has no role: say who may take it ({})", action.code.get_ref(), ROLES.join(", ")),
            ),
            Some(role) if !ROLES.contains(&role.get_ref().as_str()) => {
                report.at_span(role, format!("unknown role `{}`: use {}", role.get_ref(), ROLES.join(", ")))
            }
            Some(_) => {}
        }
        check_action_kind(report, service, action);
        if !known.contains(action.to.get_ref().as_str()) {
            report.at_span(&action.to, format!("action `{}` leads to an unknown state `{}`", action.code.get_ref(), action.to.get_ref()));
        }
        if action.from.is_empty() {
            report.at_span(&action.code, format!("action `{}` can be taken from no state", action.code.get_ref()));
        }
        for from in &action.from {
            if !known.contains(from.get_ref().as_str()) {
                report.at_span(from, format!("action `{}` starts from an unknown state `{}`", action.code.get_ref(), from.get_ref()));
            }
            edges.entry(from.get_ref().as_str()).or_default().push(action.to.get_ref().as_str());
        }
    }
    for state in workflow.states.iter().filter(|s| s.with_applicant) {
        let resubmit =
            workflow.actions.iter().any(|a| a.kind() == ActionKind::Resubmit && a.from.iter().any(|f| f.get_ref() == state.code.get_ref()));
        if !resubmit {
            report.at_span(
                &state.code,
                format!("state `{}` is with the applicant but no `resubmit` action lets them send it back", state.code.get_ref()),
            );
        }
    }
    check_certificate(report, service);
    // Every state must be reachable from the start…
    let reachable = walk(workflow.start.get_ref().as_str(), &edges);
    for state in &workflow.states {
        if !reachable.contains(state.code.get_ref().as_str()) {
            report.at_span(
                &state.code,
                format!("state `{}` cannot be reached from the start state `{}`", state.code.get_ref(), workflow.start.get_ref()),
            );
        }
    }
    // …and every state must be able to finish.
    let mut reverse: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, tos) in &edges {
        for to in tos {
            reverse.entry(to).or_default().push(from);
        }
    }
    let mut can_finish = HashSet::new();
    for state in workflow.states.iter().filter(|s| s.is_final) {
        can_finish.extend(walk(state.code.get_ref().as_str(), &reverse));
    }
    for state in &workflow.states {
        if reachable.contains(state.code.get_ref().as_str()) && !can_finish.contains(state.code.get_ref().as_str()) {
            report.at_span(
                &state.code,
                format!("state `{}` cannot finish: no path of actions leads from it to a final state", state.code.get_ref()),
            );
        }
    }
}

fn check_action_kind(report: &mut Report<'_>, service: &Service, action: &Action) {
    let workflow = &service.workflow;
    let code = action.code.get_ref();
    let kind = action.kind();
    let state = |c: &str| workflow.states.iter().find(|s| s.code.get_ref() == c);
    let by_applicant = action.role.as_ref().is_some_and(|r| r.get_ref() == "applicant");
    if by_applicant != (kind == ActionKind::Resubmit) {
        report.at_span(&action.code, format!("action `{code}`: role `applicant` goes with kind `resubmit`, and only with it"));
    }
    if kind == ActionKind::Resubmit {
        for from in &action.from {
            if state(from.get_ref()).is_some_and(|s| !s.with_applicant) {
                report.at_span(from, format!("action `{code}` resubmits from `{}`, which is not with the applicant", from.get_ref()));
            }
        }
    }
    if kind == ActionKind::RequestInformation && state(action.to.get_ref()).is_some_and(|s| !s.with_applicant) {
        report.at_span(
            &action.to,
            format!("action `{code}` asks the applicant for something, so `{}` must be `with_applicant = true`", action.to.get_ref()),
        );
    }
    if kind == ActionKind::Issue && service.certificate.is_none() {
        report.at_span(&action.code, format!("action `{code}` issues a document but the service has no [certificate] template"));
    }
}

fn check_certificate(report: &mut Report<'_>, service: &Service) {
    let Some(certificate) = &service.certificate else { return };
    if !service.workflow.actions.iter().any(|a| a.kind() == ActionKind::Issue) {
        report.at_span(&certificate.title, "the [certificate] is never issued: no action has kind `issue`");
    }
    report.text(&certificate.title, "the certificate title");
    report.text(&certificate.signatory, "the certificate signatory");
    if certificate.body.is_empty() {
        report.at_span(&certificate.title, "the certificate has no body text");
    }
    let fields: HashSet<&str> = service.fields().map(|f| f.code.get_ref().as_str()).collect();
    for paragraph in &certificate.body {
        report.text(paragraph, "a certificate paragraph");
        for text in [&paragraph.get_ref().en, &paragraph.get_ref().sw] {
            for name in placeholders(text) {
                let known = match name.strip_prefix("answer.") {
                    Some(field) => fields.contains(field),
                    None => CERTIFICATE_PLACEHOLDERS.contains(&name),
                };
                if !known {
                    report.at_span(
                        paragraph,
                        format!("unknown `{{{name}}}` in the certificate: use {} or answer.FIELD", CERTIFICATE_PLACEHOLDERS.join(", ")),
                    );
                }
            }
        }
    }
}

/// The names inside `{…}` in a certificate text.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

fn walk<'a>(start: &'a str, edges: &BTreeMap<&'a str, Vec<&'a str>>) -> HashSet<&'a str> {
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(state) = queue.pop_front() {
        for next in edges.get(state).into_iter().flatten() {
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}
