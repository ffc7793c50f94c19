//! A lenient reading of an event whose fields changed JSON type: a number sent as a string
//! (`"60"`), a boolean as a string (`"false"`) or as 0/1, a string sent as a number. Twitch's
//! own reference has shown such shapes (its `channel.ad_break.begin` example once had
//! `"duration_seconds": "60"` and `"is_automatic": "false"`, as twitch_api notes in
//! <https://github.com/twitch-rs/twitch_api/blob/main/src/eventsub/channel/ad_break/begin.rs>;
//! <https://dev.twitch.tv/docs/eventsub/eventsub-subscription-types/#channelad_breakbegin>
//! documents integers and booleans).
//!
//! [`Lenient`] is a [`Deserializer`] over a parsed [`Value`] that gives each payload struct what
//! it asks for whenever the value says it unambiguously; anything else fails as before. The
//! wire parser uses it as the second chance for a known type whose event did not fit, so the
//! event keeps its kind and its own time; only an event that cannot be read even so becomes
//! `other`.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

/// Why a lenient reading failed: serde_json's own error, as the fast path gives it.
type Error = serde_json::Error;

/// A JSON value read leniently (see the module docs).
pub(super) struct Lenient(pub(super) Value);

/// A string read as a number: an integer when it is one, else a finite float.
enum Num {
    /// Fits `u64`.
    U(u64),
    /// Negative, fits `i64`.
    I(i64),
    /// Anything else that parses as a finite float.
    F(f64),
}

fn number(s: &str) -> Option<Num> {
    let s = s.trim();
    if let Ok(u) = s.parse::<u64>() {
        return Some(Num::U(u));
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Num::I(i));
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::F)
}

/// The boolean a string or number stands for, when it is unambiguous.
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::String(s) => match s.trim() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

impl Lenient {
    /// A number wanted: a numeric string is that number.
    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => match number(&s) {
                Some(Num::U(u)) => visitor.visit_u64(u),
                Some(Num::I(i)) => visitor.visit_i64(i),
                Some(Num::F(f)) => visitor.visit_f64(f),
                None => Err(de::Error::invalid_value(de::Unexpected::Str(&s), &visitor)),
            },
            other => other.deserialize_any(visitor),
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.number(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => visitor.visit_map(Fields::new(m)),
            Value::Array(a) => visitor.visit_seq(Items(a.into_iter())),
            other => other.deserialize_any(visitor),
        }
    }

    numbers!(
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_f32 deserialize_f64
    );

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match boolean(&self.0) {
            Some(b) => visitor.visit_bool(b),
            None => self.0.deserialize_bool(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(n) => visitor.visit_string(n.to_string()),
            Value::Bool(b) => visitor.visit_string(b.to_string()),
            other => other.deserialize_string(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => visitor.visit_seq(Items(a.into_iter())),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => visitor.visit_map(Fields::new(m)),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct tuple tuple_struct identifier ignored_any
    }
}

/// An object's fields, each value read leniently.
struct Fields {
    /// The fields not read yet.
    iter: serde_json::map::IntoIter,
    /// The value of the key just read.
    value: Option<Value>,
}

impl Fields {
    fn new(m: Map<String, Value>) -> Self {
        Fields { iter: m.into_iter(), value: None }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let v = self.value.take().ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(Lenient(v))
    }
}

/// An array's items, each read leniently.
struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Lenient(v))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        n: u64,
        i: i64,
        b: bool,
        s: String,
        o: Option<u32>,
        v: Vec<u8>,
    }

    #[test]
    fn numbers_booleans_and_strings_in_each_others_clothes_are_read_as_what_they_say() {
        let v = json!({"n": "60", "i": " -5 ", "b": "false", "s": 7, "o": "3", "v": ["1", 2]});
        let got = Sample::deserialize(Lenient(v)).unwrap();
        assert_eq!(
            got,
            Sample { n: 60, i: -5, b: false, s: "7".into(), o: Some(3), v: vec![1, 2] }
        );
        let v = json!({"n": 1, "i": 2, "b": 1, "s": true, "o": null, "v": []});
        let got = Sample::deserialize(Lenient(v)).unwrap();
        assert_eq!(got, Sample { n: 1, i: 2, b: true, s: "true".into(), o: None, v: vec![] });
    }

    #[test]
    fn what_is_ambiguous_still_fails() {
        for bad in [
            json!({"n": "lots", "i": 0, "b": true, "s": "", "o": null, "v": []}),
            json!({"n": 1, "i": 0, "b": "maybe", "s": "", "o": null, "v": []}),
            json!({"n": 1, "i": 0, "b": 2, "s": "", "o": null, "v": []}),
            json!({"n": "-1", "i": 0, "b": true, "s": "", "o": null, "v": []}),
            json!({"n": 1, "i": 0, "b": true, "s": {}, "o": null, "v": []}),
        ] {
            assert!(Sample::deserialize(Lenient(bad.clone())).is_err(), "{bad}");
        }
    }
}
