//! `code_enum!`: the enums stored and sent as short codes (`fine_arts`, `in_collection`),
//! with their list of values and parsing, for every record type of the catalogue.

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:tt),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        $(#[$m])*
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),+ }
        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stored code.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            /// Parses a stored code.
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == s) }
            /// Every code, for a message that lists the choices (`history, fine_arts, ...`).
            pub fn choices() -> String { Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ") }
        }
    };
}
pub(crate) use code_enum;
