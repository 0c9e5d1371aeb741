//! Short excerpts of outside input for error messages: an answer must never grow with
//! what the caller sent (a 10 MB token quoted back four times is a 40 MB reply).

/// How many characters of outside input a message quotes at most.
pub const EXCERPT_CHARS: usize = 100;

/// At most [`EXCERPT_CHARS`] characters of `s`; a cut excerpt ends with `…` and says how
/// long the whole was, so nobody mistakes it for the value they sent.
pub fn excerpt(s: &str) -> String {
    excerpt_to(s, EXCERPT_CHARS)
}

/// [`excerpt`] with another bound.
pub fn excerpt_to(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}… (cut; {} bytes in all)", &s[..cut], s.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_short_input_is_quoted_whole() {
        assert_eq!(excerpt("青花"), "青花");
    }

    #[test]
    fn test_long_input_is_cut_and_marked() {
        let long = "釉".repeat(10_000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"釉".repeat(EXCERPT_CHARS)));
        assert!(e.ends_with("… (cut; 30000 bytes in all)"), "{e}");
        assert!(e.chars().count() < EXCERPT_CHARS + 40);
    }
}
