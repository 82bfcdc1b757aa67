package dev.sherlock.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@code sherlock.backend} without a backend, e.g. {@code "sherlock.backend is 'etcd' but
 * io.etcd:jetcd-core is not on the classpath"}, with the dependency to add or the other backends to choose from.
 */
class BackendNotAvailableFailureAnalyzer extends AbstractFailureAnalyzer<BackendNotAvailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BackendNotAvailableException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
