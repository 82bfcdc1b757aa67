package dev.sherlock.spring;

import dev.sherlock.architecture.ClassReferences;
import dev.sherlock.spring.aop.DistributedLockBeanPostProcessor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The advisor for {@code @DistributedLock} works without Spring Boot: the AOP package knows nothing of it. */
class SpringArchitectureTests {

    private final ClassReferences references = ClassReferences.ofModuleOf(DistributedLockBeanPostProcessor.class);

    @Test
    void theAopPackageImportsNothingFromTheBootPackage() {
        assertThat(references.classesOf("dev.sherlock.spring.aop", "dev.sherlock.spring.boot")).isEmpty();
        assertThat(references.classesOf("dev.sherlock.spring.aop", "dev.sherlock")).as("the reader sees references")
                .containsKey("dev.sherlock.spring.aop.DistributedLockInterceptor");
    }
}
