package dev.sherlock.spring.leader;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.sherlock.LockConfigurationException;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Applies {@link LeaderOnly} to the methods of Spring beans: a call runs only while the application leads the
 * method's role. Every annotated method is checked at startup (a role that is not elected, a primitive return type).
 * Spring Boot registers it automatically.
 *
 * @since 0.2.0
 */
@SuppressWarnings("serial")
public final class LeaderOnlyBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements SmartInitializingSingleton {

    private final Supplier<@Nullable LeaderElections> elections;

    /** The role of every annotated method seen, with the method as messages show it. */
    private final Map<String, String> roles = new ConcurrentHashMap<>();

    /**
     * Creates the post-processor.
     * @param elections supplies the application's elections, or {@code null} if it has none; not called before every
     *     singleton exists
     */
    public LeaderOnlyBeanPostProcessor(Supplier<@Nullable LeaderElections> elections) {
        this.elections = elections;
        setBeforeExistingAdvisors(true);
        this.advisor = new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, LeaderOnly.class, true),
                (MethodInterceptor) this::invoke);
    }

    @Override
    public @Nullable Object postProcessAfterInitialization(Object bean, String beanName) {
        Object result = super.postProcessAfterInitialization(bean, beanName);
        if (result instanceof Advised advised && this.advisor != null && advised.indexOf(this.advisor) >= 0) {
            Class<?> target = AopUtils.getTargetClass(bean);
            boolean classProxy = AopUtils.isCglibProxy(result);
            ReflectionUtils.doWithMethods(target, method -> check(method, target, classProxy),
                    method -> !method.isBridge() && AnnotatedElementUtils.hasAnnotation(method, LeaderOnly.class));
        }
        return result;
    }

    private void check(Method method, Class<?> target, boolean classProxy) {
        LeaderOnly annotation = AnnotatedElementUtils.findMergedAnnotation(method, LeaderOnly.class);
        String description = ClassUtils.getShortName(target) + "." + method.getName() + "()";
        int modifiers = method.getModifiers();
        if (Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers)
                || (classProxy && Modifier.isFinal(modifiers))) {
            throw new LockConfigurationException("@LeaderOnly on " + description + ": a "
                    + (Modifier.isStatic(modifiers) ? "static" : Modifier.isPrivate(modifiers) ? "private" : "final")
                    + " method is not intercepted by the proxy, so it would run on every node. Make it a public,"
                    + " non-final instance method");
        }
        Class<?> returnType = method.getReturnType();
        if (returnType.isPrimitive() && returnType != void.class) {
            throw new LockConfigurationException("@LeaderOnly on " + description + ": a call on a node that does not"
                    + " lead returns null, but the method returns " + returnType.getName() + ". Return void, a"
                    + " reference type or Optional");
        }
        if (annotation != null) {
            roles.put(description, annotation.role());
        }
    }

    /** Every role of an annotated method must be elected here, else the method would never run. */
    @Override
    public void afterSingletonsInstantiated() {
        LeaderElections available = elections.get();
        roles.forEach((method, role) -> {
            if (available == null || !available.roles().contains(role)) {
                String fix = available == null
                        ? " (elections need sherlock.leader.enabled true and a single or @Primary LockRegistry bean)"
                        : " (now " + available.roles() + ")";
                throw new LockConfigurationException("@LeaderOnly on " + method + ": role '" + role + "' is not"
                        + " elected by this application, so the method would never run. Add it to"
                        + " sherlock.leader.roles" + fix);
            }
        });
    }

    private @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        LeaderOnly annotation = AnnotatedElementUtils.findMergedAnnotation(method, LeaderOnly.class);
        if (annotation == null && invocation.getThis() != null) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(
                    AopUtils.getMostSpecificMethod(method, AopUtils.getTargetClass(invocation.getThis())),
                    LeaderOnly.class);
        }
        LeaderElections available = elections.get();
        if (annotation == null || (available != null && available.isLeader(annotation.role()))) {
            return invocation.proceed();
        }
        return method.getReturnType() == Optional.class ? Optional.empty() : null;
    }
}
