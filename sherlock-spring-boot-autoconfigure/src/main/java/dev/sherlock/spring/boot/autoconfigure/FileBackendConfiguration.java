package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.file.FileBackend;
import dev.sherlock.spi.LockBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The file backend, the default: lock files in {@code sherlock.file.directory}, needing nothing but the JDK; a
 * directory shared by several users needs {@code sherlock.file.shared-directory=true}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "file", matchIfMissing = true)
class FileBackendConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(FileBackendConfiguration.class);

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    FileBackend sherlockFileBackend(SherlockProperties properties) {
        SherlockProperties.File file = properties.getFile();
        FileBackend backend = file.isSharedDirectory() ? FileBackend.builder().directory(file.getDirectory()).sharedDirectory(true).build()
                : FileBackend.of(file.getDirectory());
        logger.info("Sherlock file backend: locks are files in {}{}. They exclude the processes of this machine only;"
                + " use the redis, memcached, etcd or kubernetes backend to exclude processes on other machines",
                backend.directory(), file.isSharedDirectory() ? " (shared directory)" : "");
        return backend;
    }
}
