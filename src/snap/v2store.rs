//! etcd's v2 store, which etcd 3.4 puts in its `.snap` files as JSON: shown as its keys.

use comfy_table::Table;
use serde_json::Value;

/// Every leaf of the store: (path, value, created index, modified index).
pub fn leaves(data: &[u8]) -> Option<Vec<(String, String, u64, u64)>> {
    let v: Value = serde_json::from_slice(data).ok()?;
    let mut out = Vec::new();
    walk(v.get("Root")?, &mut out);
    Some(out)
}

fn walk(node: &Value, out: &mut Vec<(String, String, u64, u64)>) {
    match node.get("Children") {
        Some(Value::Object(children)) => {
            for child in children.values() {
                walk(child, out);
            }
        }
        _ => {
            let s = |k: &str| {
                node.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let n = |k: &str| node.get(k).and_then(Value::as_u64).unwrap_or(0);
            out.push((s("Path"), s("Value"), n("CreatedIndex"), n("ModifiedIndex")));
        }
    }
}

/// The store as a table of keys.
pub fn table(data: &[u8]) -> Table {
    let mut t = crate::output::table(&["KEY", "VALUE", "CREATED", "MODIFIED"]);
    match leaves(data) {
        Some(mut l) => {
            l.sort();
            for (p, v, c, m) in l {
                t.add_row(vec![p, v, c.to_string(), m.to_string()]);
            }
        }
        None => {
            t.add_row(vec!["(not valid v2-store JSON)".to_string()]);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_leaves() {
        let j = br#"{"Root":{"Path":"/","Children":{"0":{"Path":"/0","Children":{"version":{"Path":"/0/version","CreatedIndex":3,"ModifiedIndex":3,"Value":"3.4.0","Children":null}}},"1":{"Path":"/1","Children":{}}}}}"#;
        let l = super::leaves(j).unwrap();
        assert_eq!(
            l,
            vec![("/0/version".to_string(), "3.4.0".to_string(), 3, 3)]
        );
    }
}
