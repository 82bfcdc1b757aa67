package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import org.jspecify.annotations.Nullable;

/**
 * What this client last saw of each Lease, and when it first saw that version: the clock by which expiry is judged.
 *
 * <p>As client-go's leader election does, a Lease held by someone else counts as expired once it has stayed
 * unchanged (same {@code resourceVersion}) for its {@code leaseDurationSeconds}, measured with this JVM's
 * {@link System#nanoTime()} from the moment this client first observed that version. The holder's own writes are
 * recorded with the time the request was <em>sent</em>, so the holder always considers its lock expired before any
 * other client does, whatever the wall clocks of the machines say. Remote timestamps ({@code renewTime}) are never
 * read for expiry.
 *
 * <p>The cache is bounded (least recently used out). Losing an entry only costs a read, and makes this client judge
 * that Lease from a later first observation, which errs on the safe side.
 */
final class LeaseObservations {

    private final Map<String, Observation> entries;

    LeaseObservations(int capacity) {
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Observation> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized @Nullable Observation get(String leaseName) {
        return entries.get(leaseName);
    }

    /**
     * Records a Lease as seen at {@code at}. A version already known keeps its first-seen time; a version older than
     * the known one (a late answer overtaken by a watch event) is ignored.
     * @return the observation to decide on: the recorded one, or the newer one already known
     */
    synchronized Observation record(String leaseName, V1Lease lease, long at) {
        String version = resourceVersion(lease);
        Observation known = entries.get(leaseName);
        if (known != null && (known.resourceVersion().equals(version)
                || ResourceVersions.isOlder(version, known.resourceVersion()))) {
            return known;
        }
        Observation observed = new Observation(lease, version, at);
        entries.put(leaseName, observed);
        return observed;
    }

    /** Forgets a Lease found absent, unless a newer version is known (it was created again since). */
    synchronized void forget(String leaseName, @Nullable String deletedVersion) {
        Observation known = entries.get(leaseName);
        if (known != null && (deletedVersion == null
                || !ResourceVersions.isOlder(deletedVersion, known.resourceVersion()))) {
            entries.remove(leaseName);
        }
    }

    synchronized int size() {
        return entries.size();
    }

    static String resourceVersion(V1Lease lease) {
        V1ObjectMeta metadata = lease.getMetadata();
        String version = metadata == null ? null : metadata.getResourceVersion();
        return version == null ? "" : version;
    }

    /**
     * One version of a Lease and when this client first saw it.
     * @param lease the Lease as read; shared, never modified
     * @param resourceVersion its {@code metadata.resourceVersion}
     * @param observedAt {@link System#nanoTime()} when first seen, or when the request that wrote it was sent
     */
    record Observation(V1Lease lease, String resourceVersion, long observedAt) {

        @Nullable String holder() {
            V1LeaseSpec spec = lease.getSpec();
            String holder = spec == null ? null : spec.getHolderIdentity();
            return holder == null || holder.isEmpty() ? null : holder;
        }

        boolean heldBy(String owner) {
            return owner.equals(holder());
        }

        /** Whether a holder has it and it has not expired by this client's clock. */
        boolean heldAt(long now) {
            return holder() != null && !expiredAt(now);
        }

        boolean expiredAt(long now) {
            Long nanos = durationNanos();
            return nanos != null && now - (observedAt + nanos) >= 0;
        }

        /** How long the holder's lock still lives by this client's clock; {@code null} if it never expires. */
        @Nullable Duration remainingAt(long now) {
            Long nanos = durationNanos();
            return nanos == null ? null : Duration.ofNanos(Math.max(0, observedAt + nanos - now));
        }

        /** An absent {@code leaseDurationSeconds} means the hold never expires. */
        private @Nullable Long durationNanos() {
            V1LeaseSpec spec = lease.getSpec();
            Integer seconds = spec == null ? null : spec.getLeaseDurationSeconds();
            return seconds == null ? null : TimeUnit.SECONDS.toNanos(Math.max(0, seconds));
        }
    }
}
