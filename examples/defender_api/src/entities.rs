//! The entity registry: the entity sets the server stores, their catalogue schemas and names.

use std::sync::OnceLock;

use odata_filter::axum::Entity;
use odata_filter::schema::{catalog, EntitySchema};

/// The entity sets the server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `MachineActions`.
    MachineAction,
    /// `Investigations`.
    Investigation,
    /// `Machines`.
    Machine,
    /// `Alerts`.
    Alert,
}

impl Kind {
    /// Every kind, in seeding order.
    pub const ALL: [Kind; 4] = [
        Kind::Machine,
        Kind::MachineAction,
        Kind::Alert,
        Kind::Investigation,
    ];

    /// The catalogue schema.
    pub fn schema(self) -> &'static EntitySchema {
        static SCHEMAS: OnceLock<[EntitySchema; 4]> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| {
            [
                catalog::machine_action(),
                catalog::investigation(),
                catalog::machine(),
                catalog::alert(),
            ]
        });
        &all[self as usize]
    }

    /// The entity set name, e.g. `MachineActions`.
    pub fn entity_set(self) -> &'static str {
        self.schema().entity_set()
    }

    /// The kind named by a URL collection (`machineactions`), entity (`MachineAction`) or
    /// entity set (`MachineActions`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| {
            let s = k.schema();
            name.eq_ignore_ascii_case(s.name()) || name.eq_ignore_ascii_case(s.entity_set())
        })
    }
}

/// The `MachineActions` entity set, for `ODataQuery`.
pub struct MachineActions;
/// The `Investigations` entity set.
pub struct Investigations;
/// The `Machines` entity set.
pub struct Machines;
/// The `Alerts` entity set.
pub struct Alerts;

impl Entity for MachineActions {
    fn schema() -> &'static EntitySchema {
        Kind::MachineAction.schema()
    }
}

impl Entity for Investigations {
    fn schema() -> &'static EntitySchema {
        Kind::Investigation.schema()
    }
}

impl Entity for Machines {
    fn schema() -> &'static EntitySchema {
        Kind::Machine.schema()
    }
}

impl Entity for Alerts {
    fn schema() -> &'static EntitySchema {
        Kind::Alert.schema()
    }
}
