//! Whether the server stores an object as it was rendered: every field the release sets must
//! read back the same. Fields the server adds (defaults, status, metadata it manages) are not
//! differences: Argo CD compares only what the release sets.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::Value;

/// Each field `rendered` sets that `stored` holds otherwise, as `path: rendered …, stored …`,
/// in key order.
pub fn differences(rendered: &Value, stored: &Value) -> Vec<String> {
    let mut found = Vec::new();
    compare(&as_argo_cd_reads(rendered), stored, &mut String::new(), &mut found);
    found
}

/// `rendered` as Argo CD compares it: a Secret's `stringData` is written into its `data`
/// (base64), which is what the server stores.
fn as_argo_cd_reads(rendered: &Value) -> std::borrow::Cow<'_, Value> {
    let is_secret = rendered["kind"] == "Secret" && rendered["apiVersion"] == "v1";
    let Some(Value::Object(strings)) = rendered.get("stringData").filter(|_| is_secret) else {
        return std::borrow::Cow::Borrowed(rendered);
    };
    let mut secret = rendered.clone();
    let mut data = secret["data"].as_object().cloned().unwrap_or_default();
    for (key, text) in strings {
        let text = text.as_str().unwrap_or_default();
        data.insert(key.clone(), Value::from(BASE64_STANDARD.encode(text)));
    }
    if let Value::Object(fields) = &mut secret {
        fields.remove("stringData");
        fields.insert("data".to_owned(), Value::Object(data));
    }
    std::borrow::Cow::Owned(secret)
}

fn compare(rendered: &Value, stored: &Value, path: &mut String, found: &mut Vec<String>) {
    match (rendered, stored) {
        (Value::Object(rendered), Value::Object(stored)) => {
            for (key, value) in rendered {
                let length = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                compare(value, stored.get(key).unwrap_or(&Value::Null), path, found);
                path.truncate(length);
            }
        }
        (Value::Array(rendered), Value::Array(stored)) if rendered.len() == stored.len() => {
            for (index, (rendered, stored)) in rendered.iter().zip(stored).enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                compare(rendered, stored, path, found);
                path.truncate(length);
            }
        }
        // Empty in the release and absent from the server are the same to Argo CD.
        (Value::Object(map), Value::Null) if map.is_empty() => {}
        (Value::Array(list), Value::Null) if list.is_empty() => {}
        // JSON numbers: `100.0` and `100` are one value.
        (Value::Number(rendered), Value::Number(stored)) if rendered.as_f64() == stored.as_f64() => {}
        (rendered, stored) if rendered == stored => {}
        (rendered, stored) => found.push(format!(
            "`{path}`: rendered {}, stored {}",
            short(rendered),
            short(stored)
        )),
    }
}

fn short(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_owned(),
        Value::Array(list) => format!("a list of {}", list.len()),
        Value::Object(_) => "a map".to_owned(),
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::differences;

    #[test]
    fn fields_the_server_adds_are_not_differences() {
        let rendered = json!({"spec": {"ports": [{"port": 80}]}, "metadata": {"labels": {}}});
        let stored = json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}], "type": "ClusterIP"}, "metadata": {}});
        assert_eq!(differences(&rendered, &stored), Vec::<String>::new());
    }

    #[test]
    fn a_secret_s_string_data_is_its_data_and_numbers_are_compared_as_numbers() {
        let rendered = json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"user": "app"}, "n": 100.0});
        let stored = json!({"apiVersion": "v1", "kind": "Secret", "data": {"user": "YXBw"}, "n": 100});
        assert_eq!(differences(&rendered, &stored), Vec::<String>::new());
        let stored = json!({"apiVersion": "v1", "kind": "Secret", "data": {"user": "b3RoZXI="}, "n": 100});
        assert_eq!(
            differences(&rendered, &stored),
            vec!["`data.user`: rendered \"YXBw\", stored \"b3RoZXI=\"".to_owned()]
        );
    }

    #[test]
    fn a_normalized_value_and_a_dropped_element_are_differences() {
        let rendered = json!({"limits": {"cpu": "1000m"}, "args": ["a", "b"]});
        let stored = json!({"limits": {"cpu": "1"}, "args": ["a"]});
        assert_eq!(
            differences(&rendered, &stored),
            vec![
                "`args`: rendered a list of 2, stored a list of 1".to_owned(),
                "`limits.cpu`: rendered \"1000m\", stored \"1\"".to_owned(),
            ]
        );
    }
}
