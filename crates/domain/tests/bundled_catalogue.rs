//! The catalogue shipped in `catalogue/` passes every check, and every workflow in it can
//! be driven from its start to each of its final states.

use huduma_domain::catalogue::{Catalogue, SourceFile, check};
use std::path::Path;

fn read(dir: &Path, root: &Path, files: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("catalogue folder").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let relative = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
            files.push(SourceFile { path: relative, text: std::fs::read_to_string(&path).expect("readable") });
        }
    }
}

/// The bundled catalogue, checked.
pub fn bundled() -> Catalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
    let mut files = Vec::new();
    read(&root, &root, &mut files);
    match check(&files) {
        Ok(catalogue) => catalogue,
        Err(problems) => panic!("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
    }
}

#[test]
fn the_bundled_catalogue_passes_every_check() {
    let catalogue = bundled();
    assert!(catalogue.services.len() >= 40, "{} services", catalogue.services.len());
}

mod workflows {
    use super::bundled;
    use huduma_domain::workflow::{self, Actor, StaffRole};
    use proptest::prelude::*;
    use std::collections::{HashSet, VecDeque};

    const ACTORS: [Actor; 4] =
        [Actor::Staff(StaffRole::Officer), Actor::Staff(StaffRole::Supervisor), Actor::Staff(StaffRole::AgencyAdmin), Actor::Applicant];

    #[test]
    fn every_final_state_of_every_service_is_reachable_through_the_engine() {
        for service in &bundled().services {
            let w = &service.workflow;
            let mut seen = HashSet::from([w.start.get_ref().clone()]);
            let mut queue = VecDeque::from([w.start.get_ref().clone()]);
            while let Some(state) = queue.pop_front() {
                for actor in ACTORS {
                    for action in workflow::available(w, &state, actor) {
                        let (_, to) = workflow::take(w, &state, action.code.get_ref(), actor).expect("available means takeable");
                        if seen.insert(to.code.get_ref().clone()) {
                            queue.push_back(to.code.get_ref().clone());
                        }
                    }
                }
            }
            for state in w.states.iter().filter(|s| s.is_final) {
                assert!(seen.contains(state.code.get_ref()), "{}: `{}` unreachable", service.code.get_ref(), state.code.get_ref());
            }
        }
    }

    /// Parsed once for all the property cases.
    fn cached() -> &'static huduma_domain::catalogue::Catalogue {
        static CATALOGUE: std::sync::OnceLock<huduma_domain::catalogue::Catalogue> = std::sync::OnceLock::new();
        CATALOGUE.get_or_init(bundled)
    }

    proptest! {
        /// Whatever anyone tries, in any order, an application only ever stands in a state
        /// of its service's definition, and a final state is never left.
        #[test]
        fn no_sequence_of_attempts_leaves_the_defined_states(service_pick in 0usize..1000, attempts in proptest::collection::vec((0usize..64, 0usize..4), 0..40)) {
            let catalogue = cached();
            let service = &catalogue.services[service_pick % catalogue.services.len()];
            let w = &service.workflow;
            let states: HashSet<&str> = w.states.iter().map(|s| s.code.get_ref().as_str()).collect();
            let mut state = w.start.get_ref().clone();
            for (action_pick, actor_pick) in attempts {
                let action = &w.actions[action_pick % w.actions.len()];
                let was_final = workflow::state(w, &state).is_some_and(|s| s.is_final);
                if let Ok((_, to)) = workflow::take(w, &state, action.code.get_ref(), ACTORS[actor_pick]) {
                    prop_assert!(!was_final, "{} left final state {state}", service.code.get_ref());
                    state = to.code.get_ref().clone();
                }
                prop_assert!(states.contains(state.as_str()));
            }
        }
    }
}
