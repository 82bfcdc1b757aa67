package dev.sherlock.kubernetes;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import io.kubernetes.client.openapi.models.V1Lease;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Lease edits, without a server: what each step of a lock's life writes into the Lease. */
class LeaseContentsTests {

    @Test
    void aCreatedLeaseIsHeldWithItsTokenAndTheExpiryRoundedUpToWholeSeconds() {
        V1Lease lease = LeaseContents.created("sherlock.billing.orders", "owner-1", Duration.ofMillis(1500), 42);
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("owner-1");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(2);
        assertThat(lease.getSpec().getLeaseTransitions()).isZero();
        assertThat(LeaseContents.fencingToken(lease)).isEqualTo(42);
        assertThat(lease.getMetadata().getLabels()).containsEntry(KubernetesBackend.MANAGED_BY_LABEL,
                KubernetesBackend.MANAGED_BY);
    }

    @Test
    void takingAFreedLeaseCountsATransitionAndDropsNothingElse() {
        V1Lease freed = LeaseContents.freed(LeaseContents.created("l", "owner-1", Duration.ofSeconds(30), 7),
                "owner-1");
        assertThat(freed.getSpec().getHolderIdentity()).isNull();
        assertThat(freed.getSpec().getRenewTime()).isNull();
        assertThat(LeaseContents.annotation(freed, KubernetesBackend.RELEASED_BY_ANNOTATION)).isEqualTo("owner-1");
        V1Lease taken = LeaseContents.taken(freed, "owner-2", Duration.ofSeconds(30), 8);
        assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("owner-2");
        assertThat(taken.getSpec().getLeaseTransitions()).isEqualTo(1);
        assertThat(LeaseContents.fencingToken(taken)).isEqualTo(8);
        // The edit is a copy: the Lease it came from is unchanged.
        assertThat(freed.getSpec().getHolderIdentity()).isNull();
    }

    @Test
    void theReleaseOfAnExpiredHoldRecordsNoReleaser() {
        V1Lease lease = LeaseContents.freed(LeaseContents.created("l", "owner-1", Duration.ofSeconds(30), 7), "x");
        assertThat(LeaseContents.annotation(LeaseContents.freed(lease, null),
                KubernetesBackend.RELEASED_BY_ANNOTATION)).isNull();
    }

    @Test
    void aRenewalMovesTheRenewTimeForwardEvenWhenTheClockStandsStill() {
        V1Lease lease = LeaseContents.created("l", "owner-1", Duration.ofSeconds(30), 1);
        OffsetDateTime future = OffsetDateTime.now(ZoneOffset.UTC).plusHours(1);
        lease.getSpec().setRenewTime(future);
        V1Lease renewed = LeaseContents.renewed(lease, Duration.ofSeconds(60));
        assertThat(renewed.getSpec().getRenewTime()).isAfter(future);
        assertThat(renewed.getSpec().getLeaseDurationSeconds()).isEqualTo(60);
        assertThat(renewed.getSpec().getHolderIdentity()).isEqualTo("owner-1");
    }

    @Test
    void theNextTokenExceedsTheLeasesAndANeverExpiringHoldHasNoDuration() {
        V1Lease lease = LeaseContents.created("l", "owner-1", null, Long.MAX_VALUE / 2);
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isNull();
        assertThat(LeaseContents.nextToken(lease)).isEqualTo(Long.MAX_VALUE / 2 + 1);
        assertThat(LeaseContents.nextToken(null)).isPositive();
    }

    @Test
    void durationsALeaseCannotExpressAreRefusedWithTheReason() {
        assertThat(LeaseContents.unsupportedDuration(Duration.ofMillis(999))).contains("shorter than the 1 s");
        assertThat(LeaseContents.unsupportedDuration(Duration.ofSeconds(Integer.MAX_VALUE + 1L))).contains("int32");
        assertThat(LeaseContents.unsupportedDuration(Duration.ofSeconds(1))).isNull();
    }
}
