package dev.sherlock.etcd;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import org.jspecify.annotations.Nullable;

/**
 * Reads an etcd server directly, beside the backend under test: keys through its own jetcd client, and the list of
 * leases through etcd's JSON gateway ({@code /v3/lease/leases}), which jetcd 0.8 does not offer.
 */
final class EtcdProbe implements AutoCloseable {

    private static final Pattern LEASE_ID = Pattern.compile("\"ID\":\"(\\d+)\"");

    private final String endpoint;

    private final Client client;

    private final HttpClient http = HttpClient.newHttpClient();

    EtcdProbe(String endpoint) {
        this.endpoint = endpoint;
        this.client = Client.builder().endpoints(endpoint).build();
    }

    Client client() {
        return client;
    }

    /** The key as stored, or {@code null} if absent. */
    @Nullable KeyValue get(String key) throws Exception {
        var kvs = client.getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
                .getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    /** The TTL the lease was granted with, in seconds; -1 if the lease does not exist. */
    long grantedTtl(long lease) throws Exception {
        var response = client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS);
        return response.getTTL() == -1 ? -1 : response.getGrantedTTL();
    }

    /** The seconds the lease has left, as etcd rounds them; -1 if the lease does not exist. */
    long remainingTtl(long lease) throws Exception {
        return client.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL();
    }

    /** The ids of all leases on the server. */
    Set<Long> leases() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint + "/v3/lease/leases"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        Set<Long> ids = new TreeSet<>();
        Matcher matcher = LEASE_ID.matcher(body);
        while (matcher.find()) {
            ids.add(Long.parseLong(matcher.group(1)));
        }
        return ids;
    }

    @Override
    public void close() {
        client.close();
    }
}
