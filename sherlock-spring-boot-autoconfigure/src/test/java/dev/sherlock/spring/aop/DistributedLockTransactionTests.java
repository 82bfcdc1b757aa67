package dev.sherlock.spring.aop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

import static org.assertj.core.api.Assertions.assertThat;

class DistributedLockTransactionTests {

    @TempDir
    Path directory;

    @Test
    void lockIsHeldAroundTransaction() {
        LockContext locks = new LockContext(directory);
        LockWatchingTransactionManager transactions = new LockWatchingTransactionManager(locks);
        locks.runner()
            .withUserConfiguration(TransactionConfiguration.class)
            .withBean(PlatformTransactionManager.class, () -> transactions)
            .withBean(Accounts.class)
            .run(context -> {
                context.getBean(Accounts.class).transfer();
                assertThat(transactions.events).containsExactly("begin with lock held", "commit with lock held");
                assertThat(locks.registry.getLock("accounts").locked()).isFalse();
            });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement(proxyTargetClass = true)
    static class TransactionConfiguration {
    }

    static class Accounts {

        @Transactional
        @DistributedLock(name = "accounts")
        public void transfer() {
        }
    }

    /** Records whether the lock is held when a transaction begins and commits. */
    @SuppressWarnings("serial")
    static final class LockWatchingTransactionManager extends AbstractPlatformTransactionManager {

        final List<String> events = new ArrayList<>();

        private final transient LockContext locks;

        LockWatchingTransactionManager(LockContext locks) {
            this.locks = locks;
        }

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
            events.add("begin with lock " + (locks.heldHere("accounts") ? "held" : "free"));
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            events.add("commit with lock " + (locks.heldHere("accounts") ? "held" : "free"));
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
            events.add("rollback");
        }
    }
}
