package dev.sherlock.sample;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one worker does.
 *
 * @param dataDirectory directory of the account files, shared by all workers
 * @param accounts number of accounts, each with its own lock
 * @param deposits number of deposits this worker makes
 * @param work time spent inside the lock per deposit, which widens the window in which unlocked updates get lost
 * @param worker this worker's number, shown in messages
 * @param locked whether deposits take the lock; false shows what goes wrong without it
 */
@ConfigurationProperties("sample")
public record SampleProperties(Path dataDirectory, int accounts, int deposits, Duration work, int worker,
        @DefaultValue("true") boolean locked) {

    public SampleProperties {
        if (accounts < 1 || deposits < 0 || work.isNegative()) {
            throw new IllegalArgumentException("'sample.accounts' must be at least 1, 'sample.deposits' and"
                    + " 'sample.work' must not be negative");
        }
    }
}
