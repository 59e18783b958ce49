//! `pg_service.conf`: INI sections of connection keywords, selected with `service=NAME`.

/// A line of a service file that is neither a section nor `keyword=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSyntaxError {
    /// Counted from 1.
    pub line: usize,
}

impl std::fmt::Display for ServiceSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "syntax error in service file, line {}", self.line)
    }
}

impl std::error::Error for ServiceSyntaxError {}

/// The keyword/value pairs of section `[name]`, or None when the file has no such section.
pub fn find_section(
    text: &str,
    name: &str,
) -> Result<Option<Vec<(String, String)>>, ServiceSyntaxError> {
    let mut current: Option<&str> = None;
    let mut found: Option<Vec<(String, String)>> = None;
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let section = section
                .strip_suffix(']')
                .ok_or(ServiceSyntaxError { line: lineno + 1 })?;
            if found.is_some() {
                break; // the section we wanted has ended
            }
            current = Some(section.trim());
            if current == Some(name) {
                found = Some(Vec::new());
            }
            continue;
        }
        if current == Some(name) {
            let (k, v) = line
                .split_once('=')
                .ok_or(ServiceSyntaxError { line: lineno + 1 })?;
            if let Some(pairs) = found.as_mut() {
                pairs.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# services
[prod]
host=db.internal
port=6432
dbname = metrics

[staging]
host=stage
";

    #[test]
    fn finds_the_named_section_only() {
        let prod = find_section(FILE, "prod").unwrap().unwrap();
        assert_eq!(
            prod,
            vec![
                ("host".to_string(), "db.internal".to_string()),
                ("port".to_string(), "6432".to_string()),
                ("dbname".to_string(), "metrics".to_string()),
            ]
        );
        assert_eq!(
            find_section(FILE, "staging").unwrap().unwrap(),
            vec![("host".to_string(), "stage".to_string())]
        );
        assert_eq!(find_section(FILE, "nope").unwrap(), None);
    }

    #[test]
    fn reports_syntax_errors_with_line_numbers() {
        let e = find_section("[a]\nhost\n", "a").unwrap_err();
        assert_eq!(e, ServiceSyntaxError { line: 2 });
        assert_eq!(e.to_string(), "syntax error in service file, line 2");
    }
}
