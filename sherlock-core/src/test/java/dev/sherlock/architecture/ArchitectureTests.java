package dev.sherlock.architecture;

import java.util.List;

import dev.sherlock.Lock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering the folder layout promises: generic machinery above a small SPI, backends beside each other.
 */
class ArchitectureTests {

    private static final List<String> BACKENDS = List.of("dev.sherlock.file", "dev.sherlock.redis",
            "dev.sherlock.memcached", "dev.sherlock.etcd", "dev.sherlock.kubernetes", "dev.sherlock.memory");

    private static final List<String> GENERIC = List.of("dev.sherlock", "dev.sherlock.spi",
            "dev.sherlock.annotation", "dev.sherlock.leader");

    private final ClassReferences references = ClassReferences.ofModuleOf(Lock.class);

    @Test
    void theCoreTheSpiAndTheAnnotationImportNoBackend() {
        for (String generic : GENERIC) {
            for (String backend : BACKENDS) {
                assertThat(references.classesOf(generic, backend)).as("%s using %s", generic, backend).isEmpty();
            }
        }
    }

    @Test
    void noBackendImportsAnotherBackend() {
        for (String backend : BACKENDS) {
            for (String other : BACKENDS) {
                if (!other.equals(backend)) {
                    assertThat(references.classesOf(backend, other)).as("%s using %s", backend, other).isEmpty();
                }
            }
        }
    }

    @Test
    void theReaderSeesWhatEveryBackendUses() {
        // Guards the two tests above against reading nothing: each backend's factory is an SPI class that uses its
        // backend, and the core's handle uses the SPI.
        assertThat(references.size()).isGreaterThan(50);
        for (String backend : BACKENDS) {
            assertThat(references.classesOf(backend, "dev.sherlock.spi")).as(backend).isNotEmpty();
        }
        assertThat(references.classesOf("dev.sherlock", "dev.sherlock.spi")).containsKey("dev.sherlock.BackendLock");
    }
}
