package dev.sherlock.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

import dev.sherlock.benchmark.Benchmarks.BackendRun;
import dev.sherlock.benchmark.Contender.Kind;

/**
 * The run as an SVG bar chart: P3 throughput and P2 hand-off latency per contender, grouped by backend. Bars are
 * scaled within each backend (the stores differ by orders of magnitude); every bar carries its value.
 */
final class Chart {

    private static final int ROW = 18;

    private static final int LABEL = 250;

    private static final int BAR = 260;

    private static final int PANEL = LABEL + BAR + 90;

    private final Map<String, BackendRun> runs;

    Chart(Map<String, BackendRun> runs) {
        this.runs = runs;
    }

    String svg() {
        List<String> body = new ArrayList<>();
        int rows = runs.values().stream().mapToInt(run -> run.contenders.size() + 1).sum();
        int height = 60 + rows * ROW + 30;
        panel(body, 0, "P3: 4 clients on one lock, ops/s (higher is better)",
                (run, contender) -> run.results.get(contender).contended.isEmpty() ? Double.NaN
                        : Report.contendedOps(run, contender), "%,.0f");
        panel(body, PANEL, "P2: hand-off p50, ms (lower is better)",
                (run, contender) -> run.results.get(contender).handoffs.isEmpty() ? Double.NaN
                        : Report.handoff(run, contender), "%.2f");
        int width = 2 * PANEL;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width,
                height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        body.forEach(line -> svg.append(line).append('\n'));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#555\">Bars scaled within each backend."
                + " Grey: raw floor, blue: peer library, orange: Sherlock.</text>%n", height - 10));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void panel(List<String> body, int left, String title, ToDoubleBiFunction<BackendRun, Contender> metric,
            String format) {
        body.add(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-weight=\"bold\">%s</text>", left + 10,
                escape(title)));
        int y = 50;
        for (BackendRun run : runs.values()) {
            body.add(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>", left + 10,
                    y + 12, escape(run.backend)));
            y += ROW;
            double max = run.contenders.stream().mapToDouble(c -> metric.applyAsDouble(run, c))
                    .filter(v -> !Double.isNaN(v)).max().orElse(1);
            for (Contender contender : run.contenders) {
                double value = metric.applyAsDouble(run, contender);
                body.add(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", left + 20, y + 12,
                        escape(contender.name())));
                if (Double.isNaN(value)) {
                    body.add(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#999\">not measured</text>",
                            left + LABEL, y + 12));
                }
                else {
                    int length = Math.max(1, (int) Math.round(BAR * value / max));
                    body.add(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
                            + " fill=\"%s\"/>", left + LABEL, y + 2, length, ROW - 5, colour(contender.kind())));
                    body.add(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", left + LABEL + length + 4,
                            y + 12, String.format(Locale.ROOT, format, value)));
                }
                y += ROW;
            }
        }
    }

    private static String colour(Kind kind) {
        return switch (kind) {
            case FLOOR -> "#9e9e9e";
            case PEER -> "#4a7fc1";
            case SHERLOCK -> "#e8862a";
        };
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
