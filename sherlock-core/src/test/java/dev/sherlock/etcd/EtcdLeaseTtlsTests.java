package dev.sherlock.etcd;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EtcdLeaseTtlsTests {

    @Test
    void expiriesBelowTheAssumedMinimumLeaseTtlAreUnsupportedWithTheLimitAndTheFix() {
        assertThat("'expire' PT0.5S " + EtcdLeaseTtls.unsupported(Duration.ofMillis(500), Duration.ofSeconds(2)))
                .isEqualTo("'expire' PT0.5S is shorter than etcd's minimum lease TTL, which this backend takes to be"
                        + " 2s (1.5 times the election timeout, rounded up; 2s with etcd's defaults), and etcd would"
                        + " lengthen the lease so the lock outlives its expiry; use at least 2s, or configure the"
                        + " backend's minimumLeaseTtl as your cluster's");
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofMillis(1999), Duration.ofSeconds(2))).isNotNull();
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(2), Duration.ofSeconds(2))).isNull();
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofMillis(2500), Duration.ofSeconds(2))).isNull();
    }

    @Test
    void theMinimumFollowsTheConfiguredOne() {
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(1), Duration.ofSeconds(1))).isNull();
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(4), Duration.ofSeconds(5)))
                .contains("takes to be 5s").contains("use at least 5s");
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(1), Duration.ofMillis(1500)))
                .contains("takes to be PT1.5S");
    }

    @Test
    void expiriesBeyondEtcdsLongestLeaseAreUnsupported() {
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(9_000_000_001L), Duration.ofSeconds(2)))
                .isEqualTo("is longer than the longest lease etcd grants (9000000000 s); use a shorter expire, or none"
                        + " (never expires)");
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofSeconds(9_000_000_000L), Duration.ofSeconds(2))).isNull();
        assertThat(EtcdLeaseTtls.unsupported(Duration.ofDays(365L * 100), Duration.ofSeconds(2))).isNull();
    }

    @Test
    void leaseSecondsRoundUpToWholeSeconds() {
        assertThat(EtcdLeaseTtls.seconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(EtcdLeaseTtls.seconds(Duration.ofSeconds(2))).isEqualTo(2);
        assertThat(EtcdLeaseTtls.seconds(Duration.ofMillis(2001))).isEqualTo(3);
    }
}
