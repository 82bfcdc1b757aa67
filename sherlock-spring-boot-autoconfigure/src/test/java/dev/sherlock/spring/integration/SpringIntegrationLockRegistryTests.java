package dev.sherlock.spring.integration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.memory.MemoryBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.integration.leader.AbstractCandidate;
import org.springframework.integration.leader.Context;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Spring Integration's own {@link LockRegistryLeaderInitiator} elects one leader among nodes (registries over one
 * backend, as processes sharing a server) through {@link SpringIntegrationLockRegistry}: a stopped leader hands over
 * at once, and a leader whose lock is lost is revoked and the nodes contend again.
 */
class SpringIntegrationLockRegistryTests {

    private final MemoryBackend backend = new MemoryBackend();

    private final List<LockRegistryLeaderInitiator> initiators = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopInitiators() {
        initiators.forEach(LockRegistryLeaderInitiator::stop);
    }

    @Test
    void oneOfThreeNodesLeadsAndAStoppedLeaderHandsOverAtOnce() {
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(60));
        List<Node> nodes = List.of(node("a", settings), node("b", settings), node("c", settings));

        await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes).size() == 1);
        Node leader = leaders(nodes).get(0);
        long stopped = System.nanoTime();
        leader.initiator.stop();

        await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes).size() == 1
                && !leaders(nodes).contains(leader));
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stopped)).as("handed over, not expired")
                .isLessThan(30);
        assertThat(leader.events).containsExactly("granted", "revoked");
        assertThat(nodes).filteredOn(node -> node != leader)
                .allSatisfy(node -> assertThat(node.events.stream().filter("granted"::equals)).hasSizeLessThan(2));
    }

    @Test
    void aLeaderWhoseLockIsLostIsRevokedAndTheNodesContendAgain() {
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofMillis(900));
        List<Node> nodes = List.of(node("a", settings), node("b", settings));
        await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes).size() == 1);
        Node leader = leaders(nodes).get(0);

        backend.evict(backend.key(null, "leadership"));

        await().atMost(Duration.ofSeconds(10)).until(() -> leader.events.contains("revoked"));
        await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes).size() == 1);
        assertThat(nodes.stream().mapToLong(node -> node.events.stream().filter("granted"::equals).count()).sum())
                .as("a new term was granted").isEqualTo(2);
    }

    @Test
    void aLostHoldMakesTheNextTryLockFalseAndLockThrowThenTheThreadContendsAfresh() throws Exception {
        LockRegistry registry = LockRegistry.of(backend, null, LockSettings.defaults());
        SpringIntegrationLockRegistry locks = new SpringIntegrationLockRegistry(registry);
        Lock lock = locks.obtain("orders");
        assertThat(lock.tryLock()).isTrue();
        assertThat(lock.tryLock()).as("re-entered").isTrue();
        backend.evict(backend.key(null, "orders"));
        assertThat(registry.getLock("orders").renew()).isFalse();

        assertThat(lock.tryLock()).as("the lost hold ends").isFalse();
        assertThat(registry.getLock("orders").holdCount()).isZero();
        assertThat(lock.tryLock(1, TimeUnit.SECONDS)).as("contends afresh").isTrue();
        assertThat(CompletableFuture.supplyAsync(() -> locks.obtain("orders").tryLock()).get(10, TimeUnit.SECONDS))
                .isFalse();
        lock.unlock();

        assertThat(lock.tryLock()).isTrue();
        backend.evict(backend.key(null, "orders"));
        assertThat(registry.getLock("orders").renew()).isFalse();
        assertThatThrownBy(lock::lock).isInstanceOf(LockLostException.class).hasMessageContaining("orders");
        assertThat(registry.getLock("orders").holdCount()).isZero();
    }

    @Test
    void keysAreLockNames() {
        SpringIntegrationLockRegistry locks = new SpringIntegrationLockRegistry(
                LockRegistry.of(backend, null, LockSettings.defaults()));

        assertThatThrownBy(() -> locks.obtain(42)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Integer '42'");
    }

    private Node node(String id, LockSettings settings) {
        Node node = new Node(id);
        SpringIntegrationLockRegistry locks = new SpringIntegrationLockRegistry(
                LockRegistry.of(backend, null, settings));
        LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(locks, node);
        initiator.setHeartBeatMillis(100);
        initiator.setBusyWaitMillis(50);
        node.initiator = initiator;
        initiators.add(initiator);
        initiator.start();
        return node;
    }

    private static List<Node> leaders(List<Node> nodes) {
        return nodes.stream().filter(node -> node.initiator.getContext().isLeader()).toList();
    }

    /** A candidate that writes down what it is told. */
    private static final class Node extends AbstractCandidate {

        final List<String> events = new CopyOnWriteArrayList<>();

        LockRegistryLeaderInitiator initiator;

        Node(String id) {
            super(id, "leadership");
        }

        @Override
        public void onGranted(Context context) {
            events.add("granted");
        }

        @Override
        public void onRevoked(Context context) {
            events.add("revoked");
        }
    }
}
