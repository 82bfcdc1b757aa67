package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockConfigurationException;
import org.assertj.core.api.AbstractThrowableAssert;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions on an application that a backend's startup check refused. */
final class StartupRefusals {

    private StartupRefusals() {
    }

    /** The refusal that failed startup, wherever it sits in the chain of causes. */
    static AbstractThrowableAssert<?, ? extends Throwable> assertRefusal(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
            if (cause instanceof LockConfigurationException) {
                return assertThat(cause);
            }
        }
        throw new AssertionError("no LockConfigurationException in " + context.getStartupFailure());
    }

    /** Every exception of the startup failure's chain, with its message, one per line. */
    static String failureChain(AssertableApplicationContext context) {
        StringBuilder chain = new StringBuilder();
        for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
            chain.append(cause).append('\n');
        }
        return chain.toString();
    }
}
