//! Log fields as tracing-subscriber's default text format writes them (`name=value`, strings
//! quoted, a space between fields), with the common kinds written directly.
//!
//! Every operation writes an access-log line of eight fields. The default visitor formats each
//! through `write!` with two styled pieces (name and `=`) even when styling is off, which was
//! most of a line's cost; numbers, plain strings and `%`-displayed values here take one write
//! each. Anything less common (the message, errors, floats, strings needing escapes) goes to
//! the default visitor itself, so the output is the same byte for byte.

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultVisitor, Writer};

/// `DefaultFields`, cheaper, for writers without colours (`with_ansi(false)`): with colours
/// the default's styling is the point, and it should be used instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFields;

impl<'a> MakeVisitor<Writer<'a>> for LogFields {
    type Visitor = FieldVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Self::Visitor {
        FieldVisitor {
            writer,
            is_empty: true,
            result: Ok(()),
        }
    }
}

/// The visitor [`LogFields`] makes.
#[derive(Debug)]
pub struct FieldVisitor<'a> {
    writer: Writer<'a>,
    /// No field written yet: the first goes without a leading space.
    is_empty: bool,
    result: fmt::Result,
}

impl FieldVisitor<'_> {
    /// `name=` after the separating space; false when writing already failed.
    fn begin(&mut self, field: &Field) -> bool {
        if self.result.is_err() {
            return false;
        }
        let separator = if self.is_empty { "" } else { " " };
        self.is_empty = false;
        self.result = self
            .writer
            .write_str(separator)
            .and_then(|()| self.writer.write_str(field.name()))
            .and_then(|()| self.writer.write_char('='));
        self.result.is_ok()
    }

    /// A field the default visitor writes, continuing this line.
    fn by_default(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() {
            return;
        }
        let mut default = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        record(&mut default);
        self.result = default.finish();
        // The default visitor writes nothing for `log.*` fields (the `log` crate's metadata).
        if !field.name().starts_with("log.") {
            self.is_empty = false;
        }
    }

    /// Whether a field's name is written plainly (`message` is not, `r#` names are cut).
    fn plain_name(field: &Field) -> bool {
        let name = field.name();
        name != "message" && !name.starts_with("r#") && !name.starts_with("log.")
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if !Self::plain_name(field) {
            return self.by_default(field, |visitor| visitor.record_u64(field, value));
        }
        if self.begin(field) {
            self.result = write_decimal(&mut self.writer, value, false);
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if !Self::plain_name(field) {
            return self.by_default(field, |visitor| visitor.record_i64(field, value));
        }
        if self.begin(field) {
            self.result = write_decimal(&mut self.writer, value.unsigned_abs(), value < 0);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if !Self::plain_name(field) {
            return self.by_default(field, |visitor| visitor.record_bool(field, value));
        }
        if self.begin(field) {
            self.result = self.writer.write_str(if value { "true" } else { "false" });
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        // `{:?}` of a string quotes it and escapes what needs it; plain text needs nothing.
        let plain = value
            .bytes()
            .all(|byte| (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\');
        if !plain || !Self::plain_name(field) {
            return self.by_default(field, |visitor| visitor.record_str(field, value));
        }
        if self.begin(field) {
            self.result = self
                .writer
                .write_char('"')
                .and_then(|()| self.writer.write_str(value))
                .and_then(|()| self.writer.write_char('"'));
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.by_default(field, |visitor| visitor.record_f64(field, value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.by_default(field, |visitor| visitor.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !Self::plain_name(field) {
            return self.by_default(field, |visitor| visitor.record_debug(field, value));
        }
        if self.begin(field) {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

impl VisitOutput<fmt::Result> for FieldVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for FieldVisitor<'_> {
    fn writer(&mut self) -> &mut dyn Write {
        &mut self.writer
    }
}

/// `value` (with a minus sign when `negative`) in decimal, without the formatting machinery.
fn write_decimal(writer: &mut Writer<'_>, mut value: u64, negative: bool) -> fmt::Result {
    let mut digits = [0u8; 21];
    let mut start = digits.len();
    loop {
        start -= 1;
        // The remainder is below ten, so the cast keeps it whole.
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    if negative {
        start -= 1;
        digits[start] = b'-';
    }
    // Only ASCII digits and '-' were written.
    writer.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::format::DefaultFields;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The events every test writes: each kind of field, in and out of a span, with the
    /// values that take the default visitor's path.
    fn events() {
        let error = std::io::Error::other("disk on fire");
        let span = tracing::info_span!("conn", id = 7u64, peer = "127.0.0.1:1234");
        let _entered = span.enter();
        tracing::info!(
            target: "ldap_server::access",
            conn = 1u64,
            msgid = 0u64,
            op = "bind",
            dn = %"CN=Administrator,CN=Users,DC=example,DC=test",
            scope = "",
            filter = %"(&(objectCategory=certificationAuthority)(cn=*))",
            result = 49u64,
            entries = 18_446_744_073_709_551_615u64,
            ms = 0.048713,
        );
        tracing::warn!(
            offset = -42i64,
            min = i64::MIN,
            yes = true,
            quoted = "say \"hi\"\\n",
            tab = "a\tb",
            unicode = "Zoë",
            debug = ?vec![1, 2],
            tiny = 1e-7,
            error = &error as &(dyn std::error::Error + 'static),
            "a message with \x1b[31mescapes\x1b[0m and {} args", 2
        );
        tracing::info!(r#type = "raw name", "only a message");
        tracing::error!(empty = "");
    }

    fn lines<F>(fields: F) -> String
    where
        F: for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static,
    {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .fmt_fields(fields)
            .finish();
        tracing::subscriber::with_default(subscriber, events);
        let text = captured.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn lines_are_the_default_formats_byte_for_byte() {
        let ours = lines(LogFields);
        let theirs = lines(DefaultFields::new());
        assert_eq!(ours, theirs);
        // The comparison saw every kind of field.
        for part in [
            "conn{id=7 peer=\"127.0.0.1:1234\"}",
            "op=\"bind\" dn=CN=Administrator,CN=Users,DC=example,DC=test scope=\"\"",
            "entries=18446744073709551615 ms=0.048713",
            "offset=-42 min=-9223372036854775808 yes=true",
            "quoted=\"say \\\"hi\\\"\\\\n\"",
            "debug=[1, 2] tiny=1e-7 error=disk on fire",
            "type=\"raw name\"",
            "empty=\"\"",
        ] {
            assert!(ours.contains(part), "{part} in {ours}");
        }
    }

    #[test]
    fn decimals_cover_the_whole_range() {
        for (value, negative, text) in [
            (0, false, "0"),
            (9, false, "9"),
            (10, false, "10"),
            (u64::MAX, false, "18446744073709551615"),
            (1 << 63, true, "-9223372036854775808"),
        ] {
            let mut out = String::new();
            write_decimal(&mut Writer::new(&mut out), value, negative).unwrap();
            assert_eq!(out, text);
        }
    }
}
