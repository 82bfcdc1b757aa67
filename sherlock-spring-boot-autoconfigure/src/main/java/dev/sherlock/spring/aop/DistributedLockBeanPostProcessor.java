package dev.sherlock.spring.aop;

import java.util.function.Supplier;

import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.EmbeddedValueResolverAware;
import org.springframework.util.StringValueResolver;
import org.springframework.util.function.SingletonSupplier;

/**
 * Applies {@link DistributedLock} to the methods of Spring beans: beans with an annotated method (on the class, a
 * superclass or an interface) are proxied, and each call to such a method runs while holding its lock.
 *
 * <p>The lock advisor is placed before any existing advisors of the bean, so the lock is held around a
 * {@code @Transactional} proxy and the transaction commits before the lock is released. Each annotated method is
 * resolved and checked when its bean is proxied: an annotation that cannot be honoured (a bad duration or name
 * template, {@code SKIP} on a primitive method, an asynchronous return type, a private, static or, with class
 * proxies, final method) fails the bean's creation. Registries are looked up once all singletons exist (the one an
 * annotation names with {@link DistributedLock#registry()}, else the supplied one), so a missing or ambiguous
 * registry fails at startup naming the method, and the expiries annotations set are checked against the backend's
 * limits; this post-processor never initialises a registry or its backend client early.
 *
 * <p>Spring Boot registers it automatically; without Boot, declare it as a {@code static @Bean}.
 *
 * @since 0.1.0
 */
@SuppressWarnings("serial")
public final class DistributedLockBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements EmbeddedValueResolverAware, SmartInitializingSingleton {

    private final DistributedLockInterceptor interceptor;

    private @Nullable StringValueResolver embeddedValueResolver;

    /** Our own reference: the superclass's field is private on Spring Framework 6.2 (Boot 3.5), protected on 7. */
    private @Nullable BeanFactory registries;

    /**
     * Creates the post-processor.
     * @param registry supplies the registry whose locks annotated methods take; called once, on the first locked call
     * @since 0.1.0
     */
    public DistributedLockBeanPostProcessor(Supplier<? extends LockRegistry> registry) {
        setBeforeExistingAdvisors(true);
        // Run before @Async's post-processor (LOWEST_PRECEDENCE): it then puts its advisor outside ours, so the lock
        // is taken on the executor thread around the work, not around the submission.
        setOrder(org.springframework.core.Ordered.LOWEST_PRECEDENCE - 1);
        this.interceptor = new DistributedLockInterceptor(SingletonSupplier.of(registry), this::namedRegistry,
                this::resolvePlaceholders);
        this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, DistributedLock.class, true),
                this.interceptor);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.registries = beanFactory;
    }

    @Override
    public void setEmbeddedValueResolver(StringValueResolver resolver) {
        this.embeddedValueResolver = resolver;
    }

    @Override
    public @Nullable Object postProcessAfterInitialization(Object bean, String beanName) {
        Object result = super.postProcessAfterInitialization(bean, beanName);
        if (result instanceof Advised advised && this.advisor != null && advised.indexOf(this.advisor) >= 0) {
            this.interceptor.validate(AopUtils.getTargetClass(bean), AopUtils.isCglibProxy(result));
        }
        return result;
    }

    /**
     * Once every singleton exists, finds each annotation's registry and checks the expiries annotations set against
     * the backend's limits.
     */
    @Override
    public void afterSingletonsInstantiated() {
        this.interceptor.checkRegistries();
    }

    private LockRegistry namedRegistry(String name) {
        BeanFactory factory = this.registries;
        if (factory == null) {
            throw new IllegalStateException("this post-processor was given no bean factory to find registries in");
        }
        return factory.getBean(name, LockRegistry.class);
    }

    private String resolvePlaceholders(String value) {
        StringValueResolver resolver = this.embeddedValueResolver;
        if (resolver == null) {
            return value;
        }
        String resolved = resolver.resolveStringValue(value);
        return resolved != null ? resolved : "";
    }
}
