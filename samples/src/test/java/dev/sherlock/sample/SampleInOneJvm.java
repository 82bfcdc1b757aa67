package dev.sherlock.sample;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample application started in the test's JVM, its locks and accounts in a directory of the test class. The
 * context is closed after each class: the next class has another directory.
 */
@SpringBootTest(properties = "sample.work=0ms")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
abstract class SampleInOneJvm {

    @TempDir
    static Path directory;

    @DynamicPropertySource
    static void directories(DynamicPropertyRegistry properties) {
        properties.add("sherlock.file.directory", () -> directory.resolve("locks").toString());
        properties.add("sample.data-directory", () -> directory.resolve("accounts").toString());
    }
}
