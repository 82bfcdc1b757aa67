package dev.sherlock.testserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Label selectors as k8s.io/apimachinery/pkg/labels parses and matches them ({@code labels.Parse}): requirements
 * separated by commas, each {@code k}, {@code !k}, {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)},
 * {@code k notin (a,b)}, {@code k>n} or {@code k<n}, with keys validated as qualified names and values as label
 * values. A selector that does not parse fails with the parser's own message, which kube-apiserver answers as
 * HTTP 400 BadRequest.
 */
final class LabelSelector {

    private static final List<String> OPERATORS = List.of("in", "notin", "=", "==", "!=", "gt", "lt");

    private static final List<String> SYMBOLS = List.of("!=", "==", "=", "!", "(", ")", ",", ">", "<");

    private LabelSelector() {
    }

    /**
     * Parses a selector into a test of a Lease's {@code metadata.labels}.
     * @throws ApiStatus 400 BadRequest with the parser's message if it does not parse
     */
    static Predicate<JsonObject> parse(String selector) {
        List<String> tokens = lex(selector);
        List<Predicate<Map<String, String>>> requirements = new ArrayList<>();
        int[] at = { 0 };
        while (true) {
            String token = tokens.get(at[0]);
            if (token.isEmpty()) {
                break;
            }
            if (!isIdentifier(token) && !token.equals("!")) {
                throw ApiStatus.badRequest("found '" + token + "', expected: !, identifier, or 'end of string'");
            }
            requirements.add(requirement(tokens, at));
            String next = tokens.get(at[0]++);
            if (next.isEmpty()) {
                break;
            }
            if (!next.equals(",")) {
                throw ApiStatus.badRequest("found '" + next + "', expected: ',' or 'end of string'");
            }
            String after = tokens.get(at[0]);
            if (!isIdentifier(after) && !after.equals("!")) {
                throw ApiStatus.badRequest("found '" + after + "', expected: identifier after ','");
            }
        }
        return lease -> {
            Map<String, String> labels = labels(lease);
            return requirements.stream().allMatch(requirement -> requirement.test(labels));
        };
    }

    private static Predicate<Map<String, String>> requirement(List<String> tokens, int[] at) {
        boolean absent = tokens.get(at[0]).equals("!");
        if (absent) {
            at[0]++;
        }
        String key = tokens.get(at[0]++);
        if (!isIdentifier(key)) {
            throw unparsable("found '" + key + "', expected: identifier");
        }
        List<String> keyErrors = LeaseValidation.qualifiedNameErrors(key);
        if (!keyErrors.isEmpty()) {
            throw unparsable("<nil>: Invalid value: " + GoTime.quote(key) + ": " + String.join("; ", keyErrors));
        }
        String next = tokens.get(at[0]);
        if (absent || next.isEmpty() || next.equals(",")) {
            if (absent) {
                return labels -> !labels.containsKey(key);
            }
            return labels -> labels.containsKey(key);
        }
        String operator = tokens.get(at[0]++);
        TreeSet<String> values = new TreeSet<>();
        switch (operator) {
            case "in", "notin" -> values.addAll(set(tokens, at));
            case "=", "==", "!=", ">", "<" -> {
                String value = tokens.get(at[0]);
                if (value.isEmpty() || value.equals(",")) {
                    values.add("");
                }
                else if (isIdentifier(value)) {
                    values.add(value);
                    at[0]++;
                }
                else {
                    throw unparsable("found '" + value + "', expected: identifier");
                }
            }
            default -> throw unparsable("found '" + operator + "', expected: " + String.join(", ", OPERATORS));
        }
        List<String> errors = new ArrayList<>();
        int index = 0;
        for (String value : values) {
            if ((operator.equals(">") || operator.equals("<")) && !isInt64(value)) {
                errors.add("values[" + index + "]: Invalid value: " + GoTime.quote(value) + ": for 'Gt', 'Lt'"
                        + " operators, the value must be an integer");
            }
            List<String> valueErrors = LeaseValidation.labelValueErrors(value);
            if (!valueErrors.isEmpty()) {
                errors.add("values[" + index + "][" + key + "]: Invalid value: " + GoTime.quote(value) + ": "
                        + String.join("; ", valueErrors));
            }
            index++;
        }
        if (!errors.isEmpty()) {
            throw unparsable(errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]");
        }
        return switch (operator) {
            case "in", "=", "==" -> labels -> labels.containsKey(key) && values.contains(labels.get(key));
            case "notin", "!=" -> labels -> !labels.containsKey(key) || !values.contains(labels.get(key));
            default -> {
                long bound = Long.parseLong(values.first());
                boolean greater = operator.equals(">");
                yield labels -> {
                    String value = labels.get(key);
                    if (value == null || !isInt64(value)) {
                        return false;
                    }
                    long number = Long.parseLong(value);
                    return greater ? number > bound : number < bound;
                };
            }
        };
    }

    /** {@code (a,b,,c)}: empty members are the empty value; {@code ()} is the set of the empty value. */
    private static Set<String> set(List<String> tokens, int[] at) {
        String open = tokens.get(at[0]++);
        if (!open.equals("(")) {
            throw unparsable("found '" + open + "' expected: '('");
        }
        String first = tokens.get(at[0]);
        if (first.equals(")")) {
            at[0]++;
            return Set.of("");
        }
        if (!first.equals(",") && !isIdentifier(first)) {
            throw unparsable("found '" + first + "', expected: ',', ')' or identifier");
        }
        Set<String> values = identifiers(tokens, at);
        at[0]++;
        return values;
    }

    /** The members up to, not including, the closing parenthesis; the parser's rules for empty members. */
    private static Set<String> identifiers(List<String> tokens, int[] at) {
        Set<String> values = new TreeSet<>();
        while (true) {
            String token = tokens.get(at[0]++);
            if (isIdentifier(token)) {
                values.add(token);
                String next = tokens.get(at[0]);
                if (next.equals(")")) {
                    return values;
                }
                if (!next.equals(",")) {
                    throw unparsable("found '" + next + "', expected: ',' or ')'");
                }
            }
            else if (token.equals(",")) {
                if (values.isEmpty()) {
                    values.add("");
                }
                String next = tokens.get(at[0]);
                if (next.equals(")")) {
                    values.add("");
                    return values;
                }
                if (next.equals(",")) {
                    at[0]++;
                    values.add("");
                }
            }
            else {
                throw unparsable("found '" + token + "', expected: ',', or identifier");
            }
        }
    }

    private static ApiStatus unparsable(String message) {
        return ApiStatus.badRequest("unable to parse requirement: " + message);
    }

    /** Whether a token is an identifier (the words {@code in} and {@code notin} are, except as an operator). */
    private static boolean isIdentifier(String token) {
        return !token.isEmpty() && !SYMBOLS.contains(token);
    }

    /** Go's strconv.ParseInt(value, 10, 64) succeeds. */
    private static boolean isInt64(String value) {
        try {
            Long.parseLong(value);
            return true;
        }
        catch (NumberFormatException ex) {
            return false;
        }
    }

    /** The lexer: identifiers end at whitespace or a symbol; symbols combine greedily; "" ends the list. */
    private static List<String> lex(String selector) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < selector.length()) {
            char c = selector.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            }
            else if ("=!(),<>".indexOf(c) >= 0) {
                String two = i + 1 < selector.length() ? selector.substring(i, i + 2) : "";
                String symbol = two.equals("!=") || two.equals("==") ? two : String.valueOf(c);
                tokens.add(symbol);
                i += symbol.length();
            }
            else {
                int start = i;
                while (i < selector.length() && " \t\r\n=!(),<>".indexOf(selector.charAt(i)) < 0) {
                    i++;
                }
                tokens.add(selector.substring(start, i));
            }
        }
        tokens.add("");
        return tokens;
    }

    private static Map<String, String> labels(JsonObject lease) {
        JsonElement labels = LeaseJson.metadata(lease).get("labels");
        Map<String, String> map = new HashMap<>();
        if (labels != null && labels.isJsonObject()) {
            labels.getAsJsonObject().entrySet().forEach(entry -> map.put(entry.getKey(),
                    entry.getValue().getAsString()));
        }
        return map;
    }
}
