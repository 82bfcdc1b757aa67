package dev.sherlock.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executor;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockListener;
import dev.sherlock.LockObserver;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spring.aop.DistributedLockBeanPostProcessor;
import dev.sherlock.spring.event.LockLostEvent;
import dev.sherlock.spring.event.LockLostEventPublisher;

import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnJava;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.system.JavaVersion;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * Auto-configuration of Sherlock: a {@link LockRegistry} over the backend named by {@code sherlock.backend}, and the
 * advisor that applies {@link DistributedLock} to bean methods.
 *
 * <p>Each backend has its own configuration, conditional on its client class and on {@code sherlock.backend}. A
 * {@link LockBackend} bean defined by the application replaces the auto-configured backend, and a {@link LockRegistry}
 * bean replaces both. Every {@link LockListener} bean is told about the auto-configured registry's locks, in order,
 * and the locks that registry loses are also published as {@link LockLostEvent}s. A backend whose client is missing
 * fails at startup with the dependency to add.
 *
 * <p>The registry's renewals and clean-ups run on the {@value #TASK_EXECUTOR} bean if there is one (a virtual-thread
 * executor when {@code spring.threads.virtual.enabled} is set on Java 21+), else on threads of its own; it is closed
 * with the context, which drops its pending work and ends those threads.
 *
 * @since 0.1.0
 */
// By name: a class reference would be resolved, and fail with a warning, where Spring Data Redis is absent; Boot 4's
// Redis auto-configuration and Boot 3.5's.
@AutoConfiguration(afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration" })
@EnableConfigurationProperties(SherlockProperties.class)
@Import({ FileBackendConfiguration.class, RedisBackendConfiguration.class, MemcachedBackendConfiguration.class,
        EtcdBackendConfiguration.class, KubernetesBackendConfiguration.class, MemoryBackendConfiguration.class })
public final class SherlockAutoConfiguration {

    /**
     * Name of the {@link Executor} bean the auto-configured registry runs its renewals and clean-ups on, if there is
     * one; else the registry starts threads of its own, which end when it closes with the context.
     */
    public static final String TASK_EXECUTOR = "sherlockTaskExecutor";

    @Bean
    @ConditionalOnMissingBean(LockRegistry.class)
    LockRegistry sherlockLockRegistry(ObjectProvider<LockBackend> backend, SherlockProperties properties,
            ResourceLoader resourceLoader, ListenerBeans listeners, LockLostEventPublisher lostEvents,
            ObjectProvider<LockObserver> observer,
            @Qualifier(TASK_EXECUTOR) ObjectProvider<Executor> taskExecutor) {
        LockBackend available;
        try {
            available = backend.getIfAvailable();
        }
        catch (NoUniqueBeanDefinitionException ex) {
            throw new LockConfigurationException("There are " + ex.getNumberOfBeansFound() + " LockBackend beans "
                    + ex.getBeanNamesFound() + " and none is @Primary, so the auto-configured LockRegistry cannot"
                    + " choose. Mark one @Primary, or define a LockRegistry bean per backend (LockRegistry.of(backend,"
                    + " namespace, settings)) and name it in @DistributedLock(registry = \"...\")");
        }
        if (available == null) {
            throw BackendNotAvailableException.of(properties.getBackend(), resourceLoader.getClassLoader());
        }
        LockSettings settings = properties.toLockSettings();
        Duration expire = settings.expire();
        String unsupported = expire == null ? null : available.unsupportedExpire(expire);
        if (unsupported != null) {
            throw new LockConfigurationException("'sherlock.expire' " + expire + " " + unsupported + " (backend "
                    + available.name() + ")");
        }
        if (properties.isCheckAccess()) {
            available.checkAccess(properties.getNamespace());
        }
        Executor executor = taskExecutor.getIfAvailable();
        LockRegistry registry = executor != null
                ? LockRegistry.of(available, properties.getNamespace(), settings, executor)
                : LockRegistry.of(available, properties.getNamespace(), settings);
        registry.addListener(listeners.asListener());
        lostEvents.publishFor(registry);
        registry.setObserver(uniqueObserver(observer));
        return registry;
    }

    private static LockObserver uniqueObserver(ObjectProvider<LockObserver> observers) {
        try {
            LockObserver observer = observers.getIfAvailable();
            return observer != null ? observer : LockObserver.NONE;
        }
        catch (NoUniqueBeanDefinitionException ex) {
            throw new LockConfigurationException("There are " + ex.getNumberOfBeansFound() + " LockObserver beans "
                    + ex.getBeanNamesFound() + " and none is @Primary, so the auto-configured LockRegistry cannot"
                    + " choose one. Mark one @Primary, or make one observer that tells the others");
        }
    }

    /** With virtual threads on ({@code spring.threads.virtual.enabled}, Java 21+), renewals run on virtual threads. */
    @Configuration(proxyBeanMethods = false)
    // What @ConditionalOnThreading(VIRTUAL) checks, whose Threading type has another package on Boot 3.5 and 4.
    @ConditionalOnJava(JavaVersion.TWENTY_ONE)
    @ConditionalOnBooleanProperty("spring.threads.virtual.enabled")
    static final class VirtualThreadsConfiguration {

        @Bean(name = TASK_EXECUTOR)
        @ConditionalOnMissingBean(name = TASK_EXECUTOR)
        Executor sherlockTaskExecutor() {
            return new VirtualThreadTaskExecutor("sherlock-");
        }
    }

    /** The application's {@link LockListener} beans, told about the auto-configured registry's locks. */
    @Bean
    ListenerBeans sherlockListenerBeans(ObjectProvider<LockListener> listeners) {
        return new ListenerBeans(listeners);
    }

    /** Publishes lost locks of the auto-configured registry as {@link LockLostEvent}s; stops with the context. */
    @Bean
    @ConditionalOnMissingBean
    LockLostEventPublisher sherlockLockLostEventPublisher(ApplicationEventPublisher events) {
        return new LockLostEventPublisher(events);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
    static DistributedLockBeanPostProcessor distributedLockBeanPostProcessor(Environment environment,
            ObjectProvider<LockRegistry> registry) {
        DistributedLockBeanPostProcessor processor = new DistributedLockBeanPostProcessor(registry::getObject);
        processor.setProxyTargetClass(environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true));
        return processor;
    }
}
