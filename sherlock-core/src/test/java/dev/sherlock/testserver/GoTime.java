package dev.sherlock.testserver;

import java.time.LocalDateTime;
import java.time.YearMonth;

/**
 * Timestamps as kube-apiserver decodes and encodes them: Go's {@code time.Parse} with the layouts of
 * {@code metav1.MicroTime} ({@code "2006-01-02T15:04:05.000000Z07:00"}: exactly six fractional digits) and
 * {@code metav1.Time} ({@code time.RFC3339}: any fraction, dropped), and their {@code MarshalJSON}, which writes UTC
 * ({@code Z}). An offset such as {@code +02:00} is therefore accepted and normalised to UTC; anything else fails with
 * Go's own {@code ParseError} message.
 */
final class GoTime {

    static final String MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00";

    static final String LAYOUT = "2006-01-02T15:04:05Z07:00";

    private GoTime() {
    }

    /** A {@code metav1.MicroTime} as the server stores it, e.g. {@code 2025-10-09T09:50:12.345678Z}. */
    static String microTime(String value) {
        Parsed parsed = new Parser(MICRO_LAYOUT, value).parse(true);
        return format(parsed.utc(), true);
    }

    /** A {@code metav1.Time} as the server stores it, e.g. {@code 2025-10-09T09:50:12Z}. */
    static String time(String value) {
        Parsed parsed = new Parser(LAYOUT, value).parse(false);
        return format(parsed.utc(), false);
    }

    private static String format(LocalDateTime utc, boolean micros) {
        String text = String.format("%04d-%02d-%02dT%02d:%02d:%02d", utc.getYear(), utc.getMonthValue(),
                utc.getDayOfMonth(), utc.getHour(), utc.getMinute(), utc.getSecond());
        return micros ? text + String.format(".%06dZ", utc.getNano() / 1000) : text + "Z";
    }

    /** Go's strconv-style quoting, enough for error messages. */
    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A failed parse, with the message Go's {@code time.ParseError} gives. */
    static final class ParseFailure extends RuntimeException {

        private static final long serialVersionUID = 1L;

        ParseFailure(String message) {
            super(message, null, false, false);
        }
    }

    private record Parsed(int year, int month, int day, int hour, int minute, int second, int nanos, int offset) {

        LocalDateTime utc() {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos).minusSeconds(offset);
        }
    }

    /** Walks the layout element by element, as Go's {@code time.parse} does. */
    private static final class Parser {

        private final String layout;

        private final String input;

        private String value;

        Parser(String layout, String input) {
            this.layout = layout;
            this.input = input;
            this.value = input;
        }

        Parsed parse(boolean fixedFraction) {
            int year = number("2006", 4, true, 0, 9999, null);
            literal("-");
            int month = number("01", 2, true, 1, 12, "month");
            literal("-");
            int day = number("02", 2, true, 0, 99, null);
            literal("T");
            int hour = number("15", 2, false, 0, 23, "hour");
            literal(":");
            int minute = number("04", 2, true, 0, 59, "minute");
            literal(":");
            int second = number("05", 2, true, 0, 59, "second");
            int nanos = fixedFraction ? fraction(".000000", 6) : optionalFraction();
            int offset = zone();
            if (!value.isEmpty()) {
                throw new ParseFailure("parsing time " + quote(input) + ": extra text: " + quote(value));
            }
            if (day < 1 || day > YearMonth.of(year, month).lengthOfMonth()) {
                throw new ParseFailure("parsing time " + quote(input) + ": day out of range");
            }
            return new Parsed(year, month, day, hour, minute, second, nanos, offset);
        }

        private ParseFailure bad(String element, String at) {
            return new ParseFailure("parsing time " + quote(input) + " as " + quote(layout) + ": cannot parse "
                    + quote(at) + " as " + quote(element));
        }

        private void literal(String text) {
            if (!value.startsWith(text)) {
                throw bad(text, value);
            }
            value = value.substring(text.length());
        }

        /** Go's getnum (one or two digits; two when fixed) or, for the year, exactly four digits. */
        private int number(String element, int digits, boolean fixed, int min, int max, String range) {
            String hold = value;
            int length;
            if (digits == 4) {
                if (value.length() < 4 || !digit(0) || !digit(1) || !digit(2) || !digit(3)) {
                    throw bad(element, hold);
                }
                length = 4;
            }
            else if (!digit(0)) {
                throw bad(element, hold);
            }
            else if (!digit(1)) {
                if (fixed) {
                    throw bad(element, hold);
                }
                length = 1;
            }
            else {
                length = 2;
            }
            int number = Integer.parseInt(value.substring(0, length));
            value = value.substring(length);
            if (range != null && (number < min || number > max)) {
                throw new ParseFailure("parsing time " + quote(input) + ": " + range + " out of range");
            }
            return number;
        }

        /** A fraction of exactly {@code digits} digits after a '.' or ','. */
        private int fraction(String element, int digits) {
            String hold = value;
            if (value.length() < digits + 1 || (value.charAt(0) != '.' && value.charAt(0) != ',')) {
                throw bad(element, hold);
            }
            for (int i = 1; i <= digits; i++) {
                if (!digit(i)) {
                    throw bad(element, hold);
                }
            }
            int nanos = Integer.parseInt(value.substring(1, digits + 1)) * (int) Math.pow(10, 9 - digits);
            value = value.substring(digits + 1);
            return nanos;
        }

        /** RFC 3339 without a fraction in the layout: Go still takes any fraction after the seconds. */
        private int optionalFraction() {
            if (value.length() < 2 || (value.charAt(0) != '.' && value.charAt(0) != ',') || !digit(1)) {
                return 0;
            }
            int end = 1;
            while (end < value.length() && digit(end)) {
                end++;
            }
            String digits = (value.substring(1, Math.min(end, 10)) + "000000000").substring(0, 9);
            value = value.substring(end);
            return Integer.parseInt(digits);
        }

        /** {@code Z07:00}: "Z", or a sign, two digits, ':' and two digits; returns the offset in seconds. */
        private int zone() {
            String hold = value;
            if (value.startsWith("Z")) {
                value = value.substring(1);
                return 0;
            }
            if (value.length() < 6 || value.charAt(3) != ':' || !digit(1) || !digit(2) || !digit(4) || !digit(5)) {
                throw bad("Z07:00", hold);
            }
            int hours = Integer.parseInt(value.substring(1, 3));
            int minutes = Integer.parseInt(value.substring(4, 6));
            char sign = value.charAt(0);
            if (hours > 24 || minutes > 60) {
                String which = hours > 24 ? "time zone offset hour" : "time zone offset minute";
                throw new ParseFailure("parsing time " + quote(input) + ": " + which + " out of range");
            }
            if (sign != '+' && sign != '-') {
                throw bad("Z07:00", hold);
            }
            value = value.substring(6);
            int offset = (hours * 60 + minutes) * 60;
            return sign == '-' ? -offset : offset;
        }

        private boolean digit(int index) {
            return index < value.length() && value.charAt(index) >= '0' && value.charAt(index) <= '9';
        }
    }
}
