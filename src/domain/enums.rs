//! The closed sets of states of the model, stored as lowercase text by both backends.

use serde::{Deserialize, Serialize};

/// Declares a text-backed enum: serde and SQL both use the lowercase names given.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} {:?}", stringify!($name), other)),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                text.parse().map_err(Into::into)
            }
        }
    };
}

text_enum!(
    /// What an agent may do: admins also manage sites, the team and webhooks.
    AgentRole { Admin => "admin", Agent => "agent" }
);

text_enum!(
    /// Whether a conversation still waits for an answer.
    ConversationStatus { Open => "open", Resolved => "resolved" }
);

text_enum!(
    /// How urgent an agent marked a conversation.
    Priority { None => "none", Low => "low", Medium => "medium", High => "high", Urgent => "urgent" }
);

// The macro declares the enum, so `#[default]` cannot be put on a variant.
#[allow(clippy::derivable_impls)]
impl Default for Priority {
    fn default() -> Self {
        Priority::None
    }
}

text_enum!(
    /// Who wrote a message.
    AuthorKind { Visitor => "visitor", Agent => "agent", System => "system" }
);

text_enum!(
    /// What a message is: `note`s are internal to agents and never reach a visitor.
    MessageKind { Text => "text", Note => "note", Event => "event" }
);

text_enum!(
    /// Who keeps a read mark.
    ReaderKind { Visitor => "visitor", Agent => "agent" }
);
