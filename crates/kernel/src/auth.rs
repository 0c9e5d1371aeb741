//! Roles, permissions and the caller of a use case. Services take an `Actor` and ask it
//! for a `Permission`; the web layer only works out who the actor is.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::langtext::Lang;

/// A staff role. Every account has exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the system: accounts, settings, everything registrars can do.
    Admin,
    /// Keeps the register: catalogues, sees valuations and insurance, deletes records.
    Registrar,
    /// Catalogues and researches the collection.
    Curator,
    /// Cares for objects and their environment; reads the catalogue.
    Conservator,
    /// Photography and digital resources; reads the catalogue.
    Media,
    /// Front of house and reservations; reads the catalogue.
    VisitorServices,
    /// Community venues and touring shows; reads the catalogue.
    Outreach,
    /// Licensing partners and products; reads the catalogue.
    Licensing,
    /// Reads the catalogue, changes nothing.
    Viewer,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Registrar,
        Role::Curator,
        Role::Conservator,
        Role::Media,
        Role::VisitorServices,
        Role::Outreach,
        Role::Licensing,
        Role::Viewer,
    ];

    /// The stored and displayed name (`visitor_services`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Registrar => "registrar",
            Role::Curator => "curator",
            Role::Conservator => "conservator",
            Role::Media => "media",
            Role::VisitorServices => "visitor_services",
            Role::Outreach => "outreach",
            Role::Licensing => "licensing",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role holds a permission.
    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        match p {
            CatalogueRead | AuditRead | OwnTokens | EnvironmentRead => true,
            CatalogueEdit | AuthorityEdit => {
                matches!(self, Role::Admin | Role::Registrar | Role::Curator)
            }
            CatalogueDelete | ConfidentialRead => matches!(self, Role::Admin | Role::Registrar),
            UsersManage | SystemManage => self == Role::Admin,
            EnvironmentEdit | ReadingsWrite => matches!(self, Role::Admin | Role::Conservator),
            MediaEdit => matches!(
                self,
                Role::Admin | Role::Registrar | Role::Curator | Role::Media
            ),
        }
    }
}

/// What a use case may require of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read every catalogue record with staff fields (location, storage notes).
    CatalogueRead,
    /// Create and change catalogue records.
    CatalogueEdit,
    /// Delete (withdraw) catalogue records.
    CatalogueDelete,
    /// See valuations, insurance values and sources' private contacts.
    ConfidentialRead,
    /// Create and change people, places and vocabulary terms.
    AuthorityEdit,
    /// Read change history.
    AuditRead,
    /// Create and revoke one's own API tokens.
    OwnTokens,
    /// Manage accounts.
    UsersManage,
    /// Run maintenance: rebuild indexes, see their state.
    SystemManage,
    /// See sensors, spaces' environment and readings.
    EnvironmentRead,
    /// Register and place sensors, set targets, calibrations, control rules and ingest tokens.
    EnvironmentEdit,
    /// Send sensor readings (gateways, logger imports).
    ReadingsWrite,
    /// Add images to the media library, describe them, set their rights and link them to objects.
    MediaEdit,
}

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// Account id.
    pub user_id: Uuid,
    /// Login name.
    pub username: String,
    /// Name shown in history and headers.
    pub display_name: String,
    /// The account's role.
    pub role: Role,
    /// Preferred interface language.
    pub lang: Lang,
}

/// Who is calling a use case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The public: sees published records and public fields only.
    Anonymous,
    /// A staff member.
    User(Principal),
    /// The program itself (migrations, demo generator, CLI administration).
    System(&'static str),
}

impl Actor {
    /// Whether the caller holds a permission. The system holds all; the public none.
    pub fn can(&self, p: Permission) -> bool {
        match self {
            Actor::Anonymous => false,
            Actor::User(u) => u.role.grants(p),
            Actor::System(_) => true,
        }
    }

    /// Refuses the call unless the caller holds the permission.
    pub fn require(&self, p: Permission) -> Result<()> {
        match self {
            _ if self.can(p) => Ok(()),
            Actor::Anonymous => Err(Error::Unauthenticated),
            _ => Err(Error::Forbidden(format!(
                "your role may not {}",
                describe(p)
            ))),
        }
    }

    /// The account id, if a person.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Actor::User(u) => Some(u.user_id),
            _ => None,
        }
    }

    /// The name written into history.
    pub fn name(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".to_owned(),
            Actor::User(u) => u.username.clone(),
            Actor::System(what) => format!("system ({what})"),
        }
    }

    /// True for staff and the system.
    pub fn is_staff(&self) -> bool {
        !matches!(self, Actor::Anonymous)
    }
}

fn describe(p: Permission) -> &'static str {
    match p {
        Permission::CatalogueRead => "read the catalogue",
        Permission::CatalogueEdit => "edit catalogue records",
        Permission::CatalogueDelete => "delete catalogue records",
        Permission::ConfidentialRead => "see valuations and private contacts",
        Permission::AuthorityEdit => "edit people, places and terms",
        Permission::AuditRead => "read change history",
        Permission::OwnTokens => "manage API tokens",
        Permission::UsersManage => "manage accounts",
        Permission::SystemManage => "run maintenance such as rebuilding the search index",
        Permission::EnvironmentRead => "see the environment monitoring",
        Permission::EnvironmentEdit => "change sensors, targets and control rules",
        Permission::ReadingsWrite => "send sensor readings",
        Permission::MediaEdit => "add or change images in the media library",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registrar_and_admin_see_valuations() {
        let allowed: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.grants(Permission::ConfidentialRead))
            .collect();
        assert_eq!(allowed, [Role::Admin, Role::Registrar]);
    }

    #[test]
    fn viewer_cannot_edit_and_anonymous_must_log_in() {
        let viewer = Actor::User(Principal {
            user_id: Uuid::nil(),
            username: "v".into(),
            display_name: "V".into(),
            role: Role::Viewer,
            lang: Lang::En,
        });
        assert!(matches!(
            viewer.require(Permission::CatalogueEdit),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            Actor::Anonymous.require(Permission::CatalogueRead),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
