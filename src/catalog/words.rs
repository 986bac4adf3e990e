//! Words in API names: verb and noun, singular and plural, patterns, and
//! the closest names to a typo.

/// `("deploy", "VirtualMachine")` for `deployVirtualMachine`: the verb is
/// the leading lower-case run.
pub fn split_verb(name: &str) -> (&str, &str) {
    let verb = name.bytes().take_while(u8::is_ascii_lowercase).count();
    name.split_at(verb)
}

/// The spellings a cmk-style noun may stand for, lower-cased, the noun
/// itself first: `zones` → `zones`, `zone`, `zonees`…; `zone` → `zones`;
/// `policy` → `policies`; `addresses` → `address`.
pub fn noun_forms(noun: &str) -> Vec<String> {
    let noun = noun.to_ascii_lowercase();
    let mut forms = vec![noun.clone(), format!("{noun}s"), format!("{noun}es")];
    if let Some(stem) = noun.strip_suffix("ies") {
        forms.push(format!("{stem}y"));
    }
    if let Some(stem) = noun.strip_suffix("es") {
        forms.push(stem.to_string());
    }
    if let Some(stem) = noun.strip_suffix('s') {
        forms.push(stem.to_string());
    }
    if let Some(stem) = noun.strip_suffix('y') {
        forms.push(format!("{stem}ies"));
    }
    forms.retain(|form| !form.is_empty());
    forms
}

/// Whether `name` matches `pattern`, ignoring case: a pattern with `*` or
/// `?` is a wildcard pattern over the whole name, any other a substring.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    if !pattern.contains(['*', '?']) {
        return name.contains(&pattern);
    }
    wildcard(pattern.as_bytes(), name.as_bytes())
}

fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matching with one backtrack point: linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The names among `candidates` closest to `typo` (ignoring case), best
/// first, at most `limit`: within an edit distance that grows with the
/// name's length, or names that begin with it.
pub fn closest<'a>(
    typo: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let typo = typo.to_ascii_lowercase();
    if typo.is_empty() {
        return Vec::new();
    }
    let allowed = (typo.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let distance = strsim::damerau_levenshtein(&typo, &lower);
            if distance <= allowed {
                Some((distance, candidate))
            } else if typo.len() >= 4 && lower.starts_with(&typo) {
                Some((allowed + 1, candidate))
            } else {
                None
            }
        })
        .collect();
    // Only the closest names: a farther one is rarely what was meant (and
    // names that begin with the typo only count when nothing is close).
    if let Some(best) = scored.iter().map(|(distance, _)| *distance).min() {
        scored.retain(|(distance, _)| *distance == best);
    }
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.len().cmp(&b.1.len())));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(limit)
        .map(|(_, name)| name)
        .collect()
}

/// `a`, `a or b`, `a, b or c`.
pub fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_verb_and_noun() {
        assert_eq!(
            split_verb("deployVirtualMachine"),
            ("deploy", "VirtualMachine")
        );
        assert_eq!(split_verb("listVPCs"), ("list", "VPCs"));
        assert_eq!(split_verb("login"), ("login", ""));
    }

    #[test]
    fn nouns_have_singular_and_plural_forms() {
        assert!(noun_forms("Zones").contains(&"zone".to_string()));
        assert!(noun_forms("zone").contains(&"zones".to_string()));
        assert!(noun_forms("policy").contains(&"policies".to_string()));
        assert!(noun_forms("policies").contains(&"policy".to_string()));
        assert!(noun_forms("address").contains(&"addresses".to_string()));
        assert!(noun_forms("addresses").contains(&"address".to_string()));
        assert_eq!(noun_forms("zones")[0], "zones");
    }

    #[test]
    fn patterns_are_substrings_or_wildcards() {
        assert!(matches_pattern("zone", "listZones"));
        assert!(matches_pattern("ZONE", "listZones"));
        assert!(matches_pattern("list*s", "listZones"));
        assert!(!matches_pattern("list*s", "listZone"));
        assert!(matches_pattern("*vir?ualmachine*", "deployVirtualMachine"));
        assert!(matches_pattern("*", "x"));
        assert!(!matches_pattern("create*", "listZones"));
    }

    #[test]
    fn typos_find_the_closest_names() {
        let names = ["listZones", "listZonesMetrics", "listPods", "listHosts"];
        assert_eq!(closest("listZone", names, 3), ["listZones"]);
        assert_eq!(closest("LISTZONES", names, 3)[0], "listZones");
        assert_eq!(closest("nmae", ["name", "id", "keyword"], 3), ["name"]);
        assert!(closest("qqqqqqqq", names, 3).is_empty());
        assert_eq!(closest("listzonesm", names, 3), ["listZones"]);
        assert_eq!(closest("listzonesmetr", names, 3), ["listZonesMetrics"]);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(or_list(&["a"]), "a");
        assert_eq!(or_list(&["a", "b"]), "a or b");
        assert_eq!(or_list(&["a", "b", "c"]), "a, b or c");
    }
}
