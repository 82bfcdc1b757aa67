package dev.sherlock.testserver;

import java.util.UUID;

import com.google.gson.JsonObject;
import dev.sherlock.testserver.LeaseApiHttp.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins how the test Lease API server decodes bodies to kube-apiserver's: Go's JSON decoding into the typed
 * {@code coordination.k8s.io/v1} Lease (types, int32 range, {@code metav1.MicroTime}'s exact layout), strict field
 * validation ({@code Warn} by default, {@code Strict}, {@code Ignore}), the body's kind and version, and the messages
 * of {@code transformDecodeError} (apiserver/pkg/endpoints/handlers/rest.go).
 */
class LeaseApiServerSchemaTests {

    private static final String PREFIX = "Lease in version \"v1\" cannot be handled as a Lease: ";

    private static final String MICRO = "\"2006-01-02T15:04:05.000000Z07:00\"";

    private static LeaseApiServer server;

    private static LeaseApiHttp http;

    @BeforeAll
    static void start() {
        server = LeaseApiServer.start();
        http = new LeaseApiHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String uniqueName() {
        return "schema-" + UUID.randomUUID();
    }

    private static JsonObject spec(Answer answer) {
        return answer.body().getAsJsonObject("spec");
    }

    private static Answer createWithSpec(String spec) {
        return http.post(LeaseApiHttp.lease(uniqueName(), spec));
    }

    @Test
    @DisplayName("MicroTime with exactly six fractional digits in UTC is stored as sent")
    void microTimeInRealFormatIsStored() {
        Answer created = createWithSpec("\"acquireTime\":\"2025-10-09T09:50:12.345678Z\","
                + "\"renewTime\":\"2025-10-09T09:50:32.000001Z\"");
        assertThat(created.status()).isEqualTo(201);
        assertThat(spec(created).get("acquireTime").getAsString()).isEqualTo("2025-10-09T09:50:12.345678Z");
        assertThat(spec(created).get("renewTime").getAsString()).isEqualTo("2025-10-09T09:50:32.000001Z");
    }

    @Test
    @DisplayName("MicroTime with an offset is accepted and normalised to UTC, as MarshalJSON writes it")
    void microTimeOffsetIsNormalisedToUtc() {
        Answer created = createWithSpec("\"renewTime\":\"2025-10-09T11:50:12.345678+02:00\","
                + "\"acquireTime\":\"2025-12-31T23:30:00.000000-01:00\"");
        assertThat(created.status()).isEqualTo(201);
        assertThat(spec(created).get("renewTime").getAsString()).isEqualTo("2025-10-09T09:50:12.345678Z");
        assertThat(spec(created).get("acquireTime").getAsString()).isEqualTo("2026-01-01T00:30:00.000000Z");
    }

    @Test
    @DisplayName("MicroTime that is not RFC 3339 with six fractional digits answers 400 with Go's time.Parse error")
    void malformedMicroTimeAnswersBadRequest() {
        String[][] cases = {
            { "yesterday", "cannot parse \"yesterday\" as \"2006\"" },
            { "2025-10-09T09:50:12.123456789Z", "cannot parse \"789Z\" as \"Z07:00\"" },
            { "2025-10-09T09:50:12.123Z", "cannot parse \".123Z\" as \".000000\"" },
            { "2025-10-09T09:50:12Z", "cannot parse \"Z\" as \".000000\"" },
            { "2025-10-09 09:50:12.123456Z", "cannot parse \" 09:50:12.123456Z\" as \"T\"" },
            { "2025-10-09T09:50:12.123456+0200", "cannot parse \"+0200\" as \"Z07:00\"" }, };
        for (String[] bad : cases) {
            Answer refused = createWithSpec("\"renewTime\":\"" + bad[0] + "\"");
            assertThat(refused.status()).as(bad[0]).isEqualTo(400);
            assertThat(refused.reason()).isEqualTo("BadRequest");
            assertThat(refused.message()).as(bad[0]).isEqualTo(PREFIX + "parsing time \"" + bad[0] + "\" as " + MICRO
                    + ": " + bad[1]);
        }
        Answer month = createWithSpec("\"acquireTime\":\"2025-13-09T09:50:12.123456Z\"");
        assertThat(month.message()).isEqualTo(PREFIX + "parsing time \"2025-13-09T09:50:12.123456Z\": month out of"
                + " range");
        Answer day = createWithSpec("\"acquireTime\":\"2025-02-29T09:50:12.123456Z\"");
        assertThat(day.message()).isEqualTo(PREFIX + "parsing time \"2025-02-29T09:50:12.123456Z\": day out of range");
        Answer number = createWithSpec("\"acquireTime\":1760003412");
        assertThat(number.message()).isEqualTo(PREFIX + "json: cannot unmarshal number into Go value of type string");
    }

    @Test
    @DisplayName("leaseDurationSeconds and leaseTransitions are int32: an overflow, a fraction or a string answers 400")
    void int32FieldsRejectWhatGoCannotDecode() {
        assertThat(createWithSpec("\"leaseDurationSeconds\":2147483647,\"leaseTransitions\":2147483647").status())
            .isEqualTo(201);
        String[][] cases = {
            { "\"leaseDurationSeconds\":2147483648", "number 2147483648", "leaseDurationSeconds" },
            { "\"leaseTransitions\":-2147483649", "number -2147483649", "leaseTransitions" },
            { "\"leaseDurationSeconds\":1.5", "number 1.5", "leaseDurationSeconds" },
            { "\"leaseDurationSeconds\":1e3", "number 1e3", "leaseDurationSeconds" },
            { "\"leaseDurationSeconds\":\"15\"", "string", "leaseDurationSeconds" }, };
        for (String[] bad : cases) {
            Answer refused = createWithSpec(bad[0]);
            assertThat(refused.status()).as(bad[0]).isEqualTo(400);
            assertThat(refused.message()).as(bad[0]).isEqualTo(PREFIX + "json: cannot unmarshal " + bad[1]
                    + " into Go struct field LeaseSpec.spec." + bad[2] + " of type int32");
        }
        Answer holder = createWithSpec("\"holderIdentity\":42");
        assertThat(holder.message()).isEqualTo(PREFIX + "json: cannot unmarshal number into Go struct field"
                + " LeaseSpec.spec.holderIdentity of type string");
    }

    @Test
    @DisplayName("unknown and repeated fields are dropped with a Warning header each by default (fieldValidation=Warn)")
    void unknownFieldsAreDroppedWithWarning() {
        String name = uniqueName();
        Answer created = http.post("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"status\":{},"
                + "\"metadata\":{\"name\":\"" + name + "\",\"colour\":\"red\"},\"spec\":{\"holderIdentity\":\"a\","
                + "\"HolderIdentity\":\"b\",\"holderIdentity\":\"c\"}}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.warnings()).containsExactly("299 - \"unknown field \\\"status\\\"\"",
                "299 - \"unknown field \\\"metadata.colour\\\"\"",
                "299 - \"unknown field \\\"spec.HolderIdentity\\\"\"",
                "299 - \"duplicate field \\\"spec.holderIdentity\\\"\"");
        JsonObject stored = server.lease("default", name);
        assertThat(stored.has("status")).isFalse();
        assertThat(stored.getAsJsonObject("metadata").has("colour")).isFalse();
        assertThat(stored.getAsJsonObject("spec").keySet()).containsExactly("holderIdentity");
        assertThat(stored.getAsJsonObject("spec").get("holderIdentity").getAsString()).isEqualTo("c");
    }

    @Test
    @DisplayName("fieldValidation=Strict refuses unknown fields with 400, Ignore drops them silently, others are 422")
    void fieldValidationDirectives() {
        String body = LeaseApiHttp.lease(uniqueName(), "\"holder\":\"a\"");
        Answer strict = http.post("?fieldValidation=Strict", body);
        assertThat(strict.status()).isEqualTo(400);
        assertThat(strict.message()).isEqualTo(PREFIX + "strict decoding error: unknown field \"spec.holder\"");
        Answer ignore = http.post("?fieldValidation=Ignore", body);
        assertThat(ignore.status()).isEqualTo(201);
        assertThat(ignore.warnings()).isEmpty();
        Answer unsupported = http.post("?fieldValidation=Lenient", LeaseApiHttp.lease(uniqueName(), ""));
        assertThat(unsupported.status()).isEqualTo(422);
        assertThat(unsupported.message()).isEqualTo("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation:"
                + " Unsupported value: \"Lenient\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    }

    @Test
    @DisplayName("a body of another kind or version answers 400, as the create and update handlers do")
    void otherKindsAndVersionsAnswerBadRequest() {
        String name = uniqueName();
        Answer configMap = http.post("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
                + "\"}}");
        assertThat(configMap.status()).isEqualTo(400);
        assertThat(configMap.message()).isEqualTo("ConfigMap in version \"v1\" cannot be handled as a Lease:"
                + " converting (v1.ConfigMap) to (coordination.Lease): unknown conversion");
        Answer beta = http.post("{\"apiVersion\":\"coordination.k8s.io/v1beta1\",\"kind\":\"Lease\","
                + "\"metadata\":{\"name\":\"" + name + "\"}}");
        assertThat(beta.message()).isEqualTo("the API version in the data (coordination.k8s.io/v1beta1) does not"
                + " match the expected API version (coordination.k8s.io/v1)");
        Answer unknown = http.post("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Lock\",\"metadata\":{\"name\":\""
                + name + "\"}}");
        assertThat(unknown.message()).isEqualTo("Lock in version \"v1\" cannot be handled as a Lease: no kind"
                + " \"Lock\" is registered for version \"example.com/v1\" in scheme"
                + " \"pkg/api/legacyscheme/scheme.go:30\"");
        assertThat(server.lease("default", name)).isNull();
        Answer created = http.post("{\"metadata\":{\"name\":\"" + name + "\"}}");
        assertThat(created.status()).as("kind and apiVersion default to the endpoint's").isEqualTo(201);
        Answer replaced = http.put(name, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\""
                + name + "\"}}");
        assertThat(replaced.status()).isEqualTo(400);
        assertThat(replaced.message()).startsWith("Secret in version \"v1\" cannot be handled as a Lease");
    }

    @Test
    @DisplayName("invalid label keys and values answer 422 Invalid on metadata.labels")
    void invalidLabelsAnswerUnprocessable() {
        Answer value = http.post("{\"metadata\":{\"name\":\"" + uniqueName() + "\",\"labels\":{\"app\":\"-x\"}}}");
        assertThat(value.status()).isEqualTo(422);
        assertThat(value.message()).contains("is invalid: metadata.labels: Invalid value: \"-x\": a valid label must"
                + " be an empty string or consist of alphanumeric characters");
        Answer key = http.post("{\"metadata\":{\"name\":\"" + uniqueName() + "\",\"labels\":{\"a/b/c\":\"x\"}}}");
        assertThat(key.status()).isEqualTo(422);
        assertThat(key.message()).contains("metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist");
    }

    @Test
    @DisplayName("a merge patch whose result does not decode answers 422 Invalid on the field \"patch\"")
    void undecodablePatchAnswersUnprocessable() {
        String name = uniqueName();
        assertThat(http.post(LeaseApiHttp.lease(name, "\"holderIdentity\":\"a\"")).status()).isEqualTo(201);
        Answer refused = http.mergePatch(name, "{\"spec\":{\"renewTime\":\"2025-10-09T09:50:12Z\"}}");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.reason()).isEqualTo("Invalid");
        assertThat(refused.message()).startsWith(" \"\" is invalid: patch: Invalid value: \"{")
            .endsWith("\": parsing time \"2025-10-09T09:50:12Z\" as " + MICRO + ": cannot parse \"Z\" as"
                    + " \".000000\"");
        Answer warned = http.mergePatch(name, "{\"spec\":{\"holder\":\"b\"}}");
        assertThat(warned.status()).isEqualTo(200);
        assertThat(warned.warnings()).containsExactly("299 - \"unknown field \\\"spec.holder\\\"\"");
    }
}
