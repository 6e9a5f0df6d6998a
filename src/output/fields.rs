//! `-o fields` (etcdctl's `-w fields`): a report's JSON as one `"name" : value` line per field,
//! in the JSON's own order. Values are JSON (strings quoted, numbers bare, lists of plain
//! values inline); a nested object's fields are named `outer.inner`. Each object of a list
//! in the report (the nodes of `status`, the members of `member list`, …) is a block of its
//! own after a blank line, its fields unprefixed as etcdctl prints them; lists of objects
//! deeper down are named `list[i].field`.

use std::fmt;
use std::io::{self, Write};

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// JSON that keeps its objects' field order (serde_json's `Value` sorts them).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Plain(serde_json::Value),
    Object(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Plain(v.into()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Plain(serde_json::Value::Null))
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Plain(serde_json::Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Node::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, Node>()? {
                    v.push((k, x));
                }
                Ok(Node::Object(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Node {
    /// A list of plain values, or a plain value: printed inline as JSON.
    fn inline(&self) -> Option<String> {
        match self {
            Node::Plain(v) => Some(v.to_string()),
            Node::List(items) => {
                let plain: Option<Vec<String>> = items
                    .iter()
                    .map(|i| match i {
                        Node::Plain(v) => Some(v.to_string()),
                        _ => None,
                    })
                    .collect();
                plain.map(|p| format!("[{}]", p.join(",")))
            }
            Node::Object(f) if f.is_empty() => Some("{}".into()),
            Node::Object(_) => None,
        }
    }
}

/// Writes `report` as fields lines.
pub fn write<T: Serialize + ?Sized>(w: &mut dyn Write, report: &T) -> io::Result<()> {
    let json = serde_json::to_vec(report)?;
    write_json(w, &json)
}

/// Writes one JSON document (a line of a JSON Lines stream) as fields lines.
pub fn write_json(w: &mut dyn Write, json: &[u8]) -> io::Result<()> {
    let node: Node = serde_json::from_slice(json)?;
    let mut out = Lines { w, any: false };
    let mut blocks: Vec<&Node> = Vec::new();
    match &node {
        Node::Object(f) => {
            for (k, v) in f {
                match (v.inline(), v) {
                    (Some(s), _) => out.line(k, &s)?,
                    (None, Node::List(items))
                        if items.iter().all(|i| matches!(i, Node::Object(_))) =>
                    {
                        blocks.extend(items.iter())
                    }
                    (None, _) => nested(&mut out, k, v)?,
                }
            }
        }
        Node::List(items) => blocks.extend(items.iter()),
        Node::Plain(v) => out.line("", &v.to_string())?,
    }
    for (i, b) in blocks.into_iter().enumerate() {
        if out.any {
            writeln!(out.w)?;
        }
        match b {
            Node::Object(f) => {
                for (k, v) in f {
                    match v.inline() {
                        Some(s) => out.line(k, &s)?,
                        None => nested(&mut out, k, v)?,
                    }
                }
            }
            other => nested(&mut out, &format!("[{i}]"), other)?,
        }
    }
    Ok(())
}

/// The writer, and whether a line was written yet (blocks after the first get a blank line).
struct Lines<'a> {
    w: &'a mut dyn Write,
    any: bool,
}

impl Lines<'_> {
    fn line(&mut self, name: &str, value: &str) -> io::Result<()> {
        self.any = true;
        writeln!(self.w, "\"{name}\" : {value}")
    }
}

/// A value below the top: its fields all prefixed, lists of objects by index.
fn nested(out: &mut Lines, prefix: &str, node: &Node) -> io::Result<()> {
    if let Some(s) = node.inline() {
        return out.line(prefix, &s);
    }
    match node {
        Node::Object(f) => {
            for (k, v) in f {
                nested(out, &format!("{prefix}.{k}"), v)?;
            }
        }
        Node::List(items) => {
            for (i, item) in items.iter().enumerate() {
                nested(out, &format!("{prefix}[{i}]"), item)?;
            }
        }
        Node::Plain(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(json: &str) -> String {
        let mut v = Vec::new();
        write_json(&mut v, json.as_bytes()).expect("fields");
        String::from_utf8(v).expect("utf-8")
    }

    #[test]
    fn fields_keep_the_json_order_and_make_list_objects_blocks() {
        let j = r#"{"ok":true,"z":1,"a":"x\"y","ids":[3,1],"hs":{"term":2,"vote":1},
            "nodes":[{"id":1,"progress":[{"id":2,"match":5}]},{"id":2,"progress":[]}],"none":null}"#;
        assert_eq!(
            show(j),
            "\"ok\" : true\n\"z\" : 1\n\"a\" : \"x\\\"y\"\n\"ids\" : [3,1]\n\"hs.term\" : 2\n\
             \"hs.vote\" : 1\n\"none\" : null\n\n\"id\" : 1\n\"progress[0].id\" : 2\n\
             \"progress[0].match\" : 5\n\n\"id\" : 2\n\"progress\" : []\n"
        );
    }
}
