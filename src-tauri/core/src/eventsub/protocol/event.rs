//! The [`Event`] of a notification, by subscription type, the dispatch from a type to its
//! payload and [`SUBSCRIPTION_TYPES`]: all generated from the table in `table.rs`
//! (docs/twitch.md §2).

use super::payload::*;
use super::table::{ConditionKeys, SubscriptionType, Who, condition_keys, subscription_types};
use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Generator: [`SUBSCRIPTION_TYPES`], the [`Event`] enum, [`known`] and [`EventSeed`]'s
/// dispatch.
macro_rules! events {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident($payload:ty) {
            $(
                $name:literal [$version:literal $(, $older:literal)*] $who:ident
                    $([$($scope:literal),+])* {$($keys:tt)*};
            )+
        }
    )*) => {
        /// Every subscription type the parser models, in the table's order.
        pub const SUBSCRIPTION_TYPES: &[SubscriptionType] = &[$($(
            SubscriptionType {
                name: $name,
                version: $version,
                versions: &[$version $(, $older)*],
                who: Who::$who,
                scope_groups: &[$(&[$($scope),+]),*],
                condition: condition_keys!($($keys)*),
            },
        )+)*];

        /// The event of a notification, by subscription type (docs/twitch.md §2).
        ///
        /// Open: a type or version this crate does not model is [`Event::Other`].
        #[allow(clippy::large_enum_variant)] // see `Message`
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $(
                #[doc = concat!($("`", $name, "` v", $version, $("/", $older,)* " ",)+)]
                $(#[doc = $doc])*
                $variant($payload),
            )*
            /// Any other type or version (configuration changes such as `automod.settings.*`,
            /// types Twitch adds later), or a known type whose event did not have the expected
            /// shape.
            Other {
                /// `subscription.type`
                kind: String,
                /// `subscription.version`
                version: String,
                /// The event JSON as received.
                event: Value,
            },
        }

        /// The types this module models, with the versions it understands. Everything else is
        /// `Other`.
        #[deny(unreachable_patterns)]
        fn known(kind: &str, version: &str) -> bool {
            match kind {
                $($($name => matches!(version, $version $(| $older)*),)+)*
                _ => false,
            }
        }

        impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
            type Value = Event;
            #[deny(unreachable_patterns)]
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
                if !known(self.kind, self.version) {
                    return Ok(Event::Other {
                        kind: self.kind.to_owned(),
                        version: self.version.to_owned(),
                        event: Value::deserialize(d)?,
                    });
                }
                Ok(match self.kind {
                    $($($name)|+ => Event::$variant(Deserialize::deserialize(d)?),)*
                    // `known` and this match are made from the same table; anything else is kept
                    // raw.
                    _ => Event::Other {
                        kind: self.kind.to_owned(),
                        version: self.version.to_owned(),
                        event: Value::deserialize(d)?,
                    },
                })
            }
        }
    };
}
subscription_types!(events);

/// Deserialises an event given its subscription type and version.
pub(super) struct EventSeed<'a> {
    /// `subscription.type`: picks the payload.
    pub(super) kind: &'a str,
    /// `subscription.version`: a version the table does not list is kept raw.
    pub(super) version: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: &str, version: &str) -> Event {
        let mut json = serde_json::Deserializer::from_str("{}");
        EventSeed { kind, version }.deserialize(&mut json).expect("an empty event parses")
    }

    #[test]
    fn every_type_of_the_table_parses_into_its_payload_at_each_of_its_versions() {
        for t in SUBSCRIPTION_TYPES {
            for v in t.versions {
                assert!(!matches!(parse(t.name, v), Event::Other { .. }), "{} v{v}", t.name);
            }
        }
    }

    #[test]
    fn a_version_the_table_does_not_list_is_kept_raw() {
        for t in SUBSCRIPTION_TYPES {
            let Event::Other { kind, version, .. } = parse(t.name, "99") else {
                panic!("{} v99 parsed as a known version", t.name)
            };
            assert_eq!((kind.as_str(), version.as_str()), (t.name, "99"));
        }
        assert!(matches!(parse("channel.follow", "1"), Event::Other { .. }), "follow v1 is gone");
    }

    #[test]
    fn types_sharing_a_variant_parse_into_it() {
        assert!(matches!(parse("channel.vip.remove", "1"), Event::RoleChange(_)));
        assert!(matches!(parse("channel.charity_campaign.stop", "1"), Event::CharityCampaign(_)));
        assert!(matches!(parse("channel.shield_mode.end", "1"), Event::ShieldMode(_)));
        assert!(matches!(parse("channel.chat.notification", "1"), Event::ChatNotification(_)));
    }
}
