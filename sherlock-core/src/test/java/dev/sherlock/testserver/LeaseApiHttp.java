package dev.sherlock.testserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Raw HTTP to the test Lease API server, for requests client-java cannot send (malformed timestamps, unknown fields,
 * other kinds) and for reading responses byte for byte (headers, watch events as sent).
 */
final class LeaseApiHttp {

    static final String LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String url;

    LeaseApiHttp(LeaseApiServer server) {
        this.url = server.url();
    }

    /** An answer: status, {@code Warning} headers and JSON body. */
    record Answer(int status, List<String> warnings, JsonObject body) {

        String message() {
            return body.get("message").getAsString();
        }

        String reason() {
            return body.has("reason") ? body.get("reason").getAsString() : "";
        }
    }

    Answer post(String json) {
        return send("POST", LEASES, json, "application/json");
    }

    Answer post(String query, String json) {
        return send("POST", LEASES + query, json, "application/json");
    }

    Answer put(String name, String json) {
        return send("PUT", LEASES + "/" + name, json, "application/json");
    }

    Answer mergePatch(String name, String json) {
        return send("PATCH", LEASES + "/" + name, json, "application/merge-patch+json");
    }

    Answer get(String pathAndQuery) {
        return send("GET", pathAndQuery, null, null);
    }

    Answer send(String method, String pathAndQuery, String json, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + pathAndQuery))
            .timeout(Duration.ofSeconds(30));
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        else {
            request.header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().allValues("Warning"),
                    JsonParser.parseString(response.body()).getAsJsonObject());
        }
        catch (IOException ex) {
            throw new IllegalStateException(method + " " + pathAndQuery + " failed", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + pathAndQuery + " interrupted", ex);
        }
    }

    /** A watch's events as sent, until the server ends the stream (give it a short {@code timeoutSeconds}). */
    List<JsonObject> watch(String query) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + LEASES + "?watch=true&" + query))
            .timeout(Duration.ofSeconds(60))
            .build();
        List<JsonObject> events = new ArrayList<>();
        try {
            HttpResponse<java.io.InputStream> response = http.send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("watch answered " + response.statusCode());
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.isBlank()) {
                        events.add(JsonParser.parseString(line).getAsJsonObject());
                    }
                }
            }
            return events;
        }
        catch (IOException ex) {
            throw new IllegalStateException("watch failed", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("watch interrupted", ex);
        }
    }

    /** A Lease body with the given spec members (raw JSON text). */
    static String lease(String name, String spec) {
        return "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"" + name
                + "\"},\"spec\":{" + spec + "}}";
    }
}
