//! Text salesim shows to people, made safe: commands quoted so a POSIX shell runs exactly the
//! words meant, and terminal output with every control character escaped and every line cut to
//! a readable length; numbers with thousands separators and a true minus sign
//! ([`group_thousands`]); and the one way every surface (terminal, `lesson.md`, the report and
//! its charts) writes money, signed differences and percentages ([`money`], [`signed_money`],
//! [`money_compact`], [`signed_percent`]), so that the same number never reads two ways.
//!
//! Scenario files, paths and `--set` values are user input, and they reach the reproduce
//! command in `manifest.json` and the report, the "Continue with:" line, `salesim list`, the run
//! summary and error messages. [`shell_command`] is the one place a command line is put
//! together; [`for_terminal`] is applied to everything salesim prints.

use std::borrow::Cow;

/// Joins words into one command line for a POSIX shell, quoting every word that needs it
/// (`'x;touch PWNED;.toml'`, `'it'"'"'s'`), so pasting the line runs exactly these words.
///
/// A NUL byte cannot be passed to a command at all; were one to reach a word (a tampered
/// journal), it is shown as U+FFFD.
pub fn shell_command<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| {
            let w = w.as_ref();
            match shlex::try_quote(w) {
                Ok(q) => q.into_owned(),
                Err(_) => shlex::try_quote(&w.replace('\0', "\u{fffd}"))
                    .map(Cow::into_owned)
                    .unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Longest line [`for_terminal`] prints, in characters; longer lines keep their start and end.
pub const MAX_LINE_CHARS: usize = 2000;

/// Characters kept from the end of a line that is cut (the end of an error message says what is
/// allowed).
const KEPT_TAIL_CHARS: usize = 600;

/// Text made safe to print: control characters other than line breaks and tabs (ESC, NUL, BEL,
/// the C1 controls) and the bidirectional overrides are written as escapes (`\u{1b}`), and each
/// line longer than [`MAX_LINE_CHARS`] is cut in the middle, saying how much was left out.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let clean = |c: char| !needs_escape(c);
    let short = |line: &str| line.len() <= MAX_LINE_CHARS;
    if text.chars().all(clean) && text.split('\n').all(short) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text.split('\n').map(|l| bound(&escape(l))).collect();
    Cow::Owned(lines.join("\n"))
}

/// Prints text for people on standard output, made safe by [`for_terminal`]. When the reader
/// has gone away (`salesim list | head -1`) the process ends quietly with success, as ripgrep
/// does, instead of panicking; any other failure to write ends it with exit code 1.
pub fn print(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(for_terminal(text).as_bytes())
        .and_then(|()| out.flush())
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("{}writing to standard output: {e}", crate::error::PREFIX);
            std::process::exit(1);
        }
    }
}

/// A piece of someone else's text (a cell of a CRM export, a file name) made to stay on one
/// line wherever it is shown: besides what [`for_terminal`] escapes, line breaks of every kind
/// (`\n`, `\r`, U+0085, U+2028, U+2029) and tabs are written as escapes (`\n`, `\u{2028}`),
/// so the text can neither start a line of its own in the terminal nor end a comment in a
/// written file.
pub fn one_line(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| matches!(c, '\n' | '\r' | '\t' | '\u{85}' | '\u{2028}' | '\u{2029}');
    if !text.chars().any(|c| breaks(c) || needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if breaks(c) || needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A number as people read it in a message: as written for ordinary sizes (`0.25`, `12`,
/// `-3.5`), in scientific notation when it is huge or tiny (`1e300`, `2.5e-9`), never as a
/// 301-digit integer.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn bound(line: &str) -> String {
    let chars = line.chars().count();
    if chars <= MAX_LINE_CHARS {
        return line.to_string();
    }
    let head = MAX_LINE_CHARS - KEPT_TAIL_CHARS;
    let start: String = line.chars().take(head).collect();
    let end: String = line.chars().skip(chars - KEPT_TAIL_CHARS).collect();
    format!(
        "{start}…[{} characters not shown]…{end}",
        chars - head - KEPT_TAIL_CHARS
    )
}

/// Formats with `decimals` decimals, comma thousands separators and a true minus sign:
/// 12345.67 → "12,345.7", −1234 → "−1,234.0" (never "−0.0").
pub fn group_thousands(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A signed number with `decimals` decimals and a true minus sign: "+0.04", "−1.3", and "0"
/// for what rounds to zero (never "−0.00"). Every signed difference a reader sees is written
/// with it.
pub fn signed(v: f64, decimals: usize) -> String {
    let text = format!("{v:+.decimals$}");
    if text[1..].chars().all(|c| c == '0' || c == '.') {
        "0".into()
    } else {
        text.replacen('-', "−", 1)
    }
}

/// A signed percentage (`x` already in percent) to one decimal, with a true minus sign:
/// "+3.0%", "−2.8%", "0%". Every relative difference and its interval ends is rounded here.
pub fn signed_percent(x: f64) -> String {
    format!("{}%", signed(x, 1))
}

/// The size of a percentage (`x` already in percent) to one decimal, without its sign: "3.0%"
/// (for "booked 3.0% less"), rounded as [`signed_percent`] rounds.
pub fn unsigned_percent(x: f64) -> String {
    format!("{:.1}%", x.abs())
}

/// Thousands separated by commas, rounded to a whole number, with a true minus sign: "6,275",
/// "−950".
pub fn thousands(x: f64) -> String {
    group_thousands(x, 0)
}

/// A signed whole number, thousands separated, with a true minus sign: "+844", "−1,090", "0".
pub fn signed_thousands(x: f64) -> String {
    match thousands(x) {
        zero if zero == "0" || zero == "−0" => "0".into(),
        negative if negative.starts_with('−') => negative,
        positive => format!("+{positive}"),
    }
}

/// The unit every amount of money is written in: thousands of dollars, after the number
/// ("6,388 $k"), as the README and the CSV contract state it.
pub const MONEY_UNIT: &str = "$k";

/// An amount of money (in $k) as every surface writes it: whole thousands, grouped, the unit
/// after the number: "6,388 $k", "−950 $k"; "n/a" when it is not a number.
pub fn money(k: f64) -> String {
    if !k.is_finite() {
        return "n/a".into();
    }
    format!("{} {MONEY_UNIT}", thousands(k))
}

/// A signed difference of money (in $k): "+844 $k", "−1,090 $k", "0 $k".
pub fn signed_money(k: f64) -> String {
    if !k.is_finite() {
        return "n/a".into();
    }
    format!("{} {MONEY_UNIT}", signed_thousands(k))
}

/// [`money`] in at most about eight characters, for chart cells and ticks, in the same style:
/// from 1,000 $k up in $M to one decimal ("55.3 $M"), under it in whole $k ("812 $k").
pub fn money_compact(k: f64) -> String {
    if !k.is_finite() {
        return "n/a".into();
    }
    let sign = if k < 0.0 { "−" } else { "" };
    if k.abs() >= 999.5 {
        format!("{sign}{} $M", group_thousands(k.abs() / 1000.0, 1))
    } else {
        money(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain_and_hostile_ones_are_quoted() {
        assert_eq!(
            shell_command(&["salesim", "run", "scenarios/lesson.toml", "--seed", "7"]),
            "salesim run scenarios/lesson.toml --seed 7"
        );
        let line = shell_command(&["run", "x;touch PWNED;.toml", "it's", "$(id)", ""]);
        assert!(!line.contains(" x;"), "{line}");
        assert!(line.ends_with(" ''"), "an empty word is kept: {line}");
        assert_eq!(shell_command(&["a\0b"]), "'a\u{fffd}b'");
    }

    #[test]
    fn control_characters_are_escaped_and_long_lines_cut() {
        assert_eq!(for_terminal("fine\n\ttext"), "fine\n\ttext");
        let shown = for_terminal("a\u{1b}[2J\0b\u{9b}c\u{202e}d");
        assert_eq!(shown, "a\\u{1b}[2J\\u{0}b\\u{9b}c\\u{202e}d");
        let long = format!("start {} end", "n".repeat(10 << 20));
        let shown = for_terminal(&long);
        assert!(
            shown.chars().count() < MAX_LINE_CHARS + 100,
            "{}",
            shown.len()
        );
        assert!(shown.starts_with("start ") && shown.ends_with(" end"));
        assert!(shown.contains("characters not shown"));
    }

    #[test]
    fn numbers_are_shown_at_a_readable_length() {
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e-9), "-2.5e-9");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::INFINITY), "inf");
    }

    #[test]
    fn other_peoples_text_stays_on_one_line() {
        assert_eq!(one_line("East team"), "East team");
        assert_eq!(
            one_line("a\n[customers]\r\nb\tc\u{2028}d\u{1b}"),
            "a\\n[customers]\\r\\nb\\tc\\u{2028}d\\u{1b}"
        );
        assert!(!one_line("x\u{85}y").contains('\u{85}'));
    }

    #[test]
    fn money_reads_one_way_everywhere() {
        assert_eq!(money(6388.4), "6,388 $k");
        assert_eq!(money(-950.0), "−950 $k");
        assert_eq!(money(98953.2), "98,953 $k");
        assert_eq!(money(f64::NAN), "n/a");
        assert_eq!(signed_money(844.2), "+844 $k");
        assert_eq!(signed_money(-1090.0), "−1,090 $k");
        assert_eq!(signed_money(-0.3), "0 $k");
        assert_eq!(money_compact(55305.6), "55.3 $M");
        assert_eq!(money_compact(-2500.0), "−2.5 $M");
        assert_eq!(money_compact(812.4), "812 $k");
        for text in [money(6388.0), signed_money(-3.0), money_compact(1e6)] {
            assert!(!text.starts_with('$') && !text.contains("k$"), "{text}");
        }
    }

    #[test]
    fn signed_numbers_never_read_minus_zero() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(signed_thousands(-0.3), "0");
        assert_eq!(signed_percent(-0.01), "0%");
        assert_eq!(signed_percent(2.84), "+2.8%");
        assert_eq!(unsigned_percent(-2.84), "2.8%");
        assert_eq!(signed(-1.26, 1), "−1.3");
        assert_eq!(signed(-1e-17, 1), "0");
    }
}
