package dev.sherlock.spring.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.annotation.DistributedLock.OnFailure;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.format.annotation.DurationFormat;
import org.springframework.format.datetime.standard.DurationFormatterUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * One method's {@link DistributedLock}, resolved and checked once: placeholders replaced, durations parsed, return
 * type checked against the failure policy.
 *
 * @param method the most specific method, whose parameter names the name expressions use
 * @param element the key under which the name expression is cached
 * @param description the method as shown in messages, e.g. {@code Invoices.settle(long)}
 * @param name the name, or the name template if {@code template}
 * @param template whether {@code name} contains {@code #{...}} expressions
 * @param timeout the timeout override, or {@code null} for the registry's
 * @param expire the expiry override, {@link Duration#ZERO} for never, or {@code null} for the registry's
 * @param holdAtLeast the minimum hold, or {@code null} for none
 * @param holdAtMost the maximum hold (an expiry without renewal), or {@code null} for none
 * @param onFailure what to do when the lock is not acquired in time
 * @param returnsOptional whether a skipped call returns {@link Optional#empty()} instead of {@code null}
 * @param registry the bean name of the registry to use, or empty for the only or primary one
 */
record LockSpec(Method method, AnnotatedElementKey element, String description, String name, boolean template,
        @Nullable Duration timeout, @Nullable Duration expire, @Nullable Duration holdAtLeast,
        @Nullable Duration holdAtMost, OnFailure onFailure, boolean returnsOptional, String registry) {

    private static final boolean reactiveStreamsPresent = ClassUtils.isPresent("org.reactivestreams.Publisher",
            LockSpec.class.getClassLoader());

    /**
     * Resolves the annotation of {@code method} as invoked on {@code targetClass}.
     * @param method the invoked method, possibly declared by an interface
     * @param targetClass the class of the proxied bean
     * @param placeholders resolves {@code ${...}} in duration attributes
     * @return the spec, or {@code null} if the method is not annotated
     * @throws LockConfigurationException if the annotation cannot be honoured
     */
    static @Nullable LockSpec of(Method method, Class<?> targetClass, UnaryOperator<String> placeholders) {
        Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
        DistributedLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, DistributedLock.class);
        if (annotation == null) {
            annotation = AnnotatedElementUtils.findMergedAnnotation(method, DistributedLock.class);
            if (annotation == null) {
                return null;
            }
        }
        String description = describe(specific, targetClass);
        checkMethod(specific, description, annotation.onFailure());
        String name = annotation.name();
        if (!StringUtils.hasLength(name)) {
            throw new LockConfigurationException("@DistributedLock on " + description + ": 'name' must not be empty");
        }
        Duration timeout = duration(annotation.timeout(), "timeout", description, placeholders);
        Duration expire = duration(annotation.expire(), "expire", description, placeholders);
        Duration holdAtLeast = duration(annotation.holdAtLeast(), "holdAtLeast", description, placeholders);
        Duration holdAtMost = duration(annotation.holdAtMost(), "holdAtMost", description, placeholders);
        checkHolds(description, expire, holdAtLeast, holdAtMost);
        return new LockSpec(specific, new AnnotatedElementKey(specific, targetClass), description, name,
                name.contains("#{"), timeout, expire, holdAtLeast, holdAtMost, annotation.onFailure(),
                Optional.class == specific.getReturnType(), placeholders.apply(annotation.registry()));
    }

    /** What can be checked without the registry: the registry's expiry is checked by {@link #checkMinimumHold}. */
    private static void checkHolds(String description, @Nullable Duration expire, @Nullable Duration holdAtLeast,
            @Nullable Duration holdAtMost) {
        String prefix = "@DistributedLock on " + description + ": ";
        if (holdAtMost != null && expire != null) {
            throw new LockConfigurationException(prefix + "'expire' and 'holdAtMost' are both set. 'holdAtMost' is"
                    + " an expire without renewal: set one of them");
        }
        if (holdAtMost != null && holdAtMost.isZero()) {
            throw new LockConfigurationException(prefix + "'holdAtMost' must be positive. Leave it empty for no"
                    + " maximum");
        }
    }

    /**
     * Checks the minimum hold against the expiry the lock gets from this annotation and {@code defaults}.
     * @param defaults the registry's settings
     * @throws LockConfigurationException if the lock never expires, or expires before its minimum hold
     */
    void checkMinimumHold(LockSettings defaults) {
        if (holdAtLeast == null || holdAtLeast.isZero()) {
            return;
        }
        Duration effective = settings(defaults).expire();
        String prefix = "@DistributedLock on " + description + ": 'holdAtLeast' " + holdAtLeast;
        if (effective == null) {
            throw new LockConfigurationException(prefix + " is set, but the lock never expires, so if the"
                    + " application stopped before the time was up nothing would release it. Set 'holdAtMost' or"
                    + " 'expire'");
        }
        if (holdAtLeast.compareTo(effective) > 0) {
            throw new LockConfigurationException(prefix + " is longer than the lock's expiry " + effective + " ("
                    + (holdAtMost != null ? "'holdAtMost'" : expire != null ? "'expire'" : "the registry's expire")
                    + "). Make it shorter, or the expiry longer");
        }
    }

    /**
     * The settings of one call: the registry's, with this annotation's overrides.
     * @param defaults the registry's settings
     * @return the settings to acquire with
     */
    LockSettings settings(LockSettings defaults) {
        LockSettings settings = defaults;
        if (timeout != null) {
            settings = settings.withTimeout(timeout);
        }
        if (expire != null) {
            settings = settings.withExpire(expire.isZero() ? null : expire);
        }
        if (holdAtMost != null) {
            settings = settings.withExpire(holdAtMost).withAutoRenew(false);
        }
        return settings;
    }

    /**
     * Whether the annotation sets an expiry of its own.
     * @return {@code true} if it does
     */
    boolean overridesExpire() {
        return expire != null || holdAtMost != null;
    }

    /**
     * What a call skipped by {@link OnFailure#SKIP} returns.
     * @return {@code null}, or {@link Optional#empty()} for an {@code Optional} method
     */
    @Nullable Object skippedResult() {
        return returnsOptional ? Optional.empty() : null;
    }

    private static void checkMethod(Method method, String description, OnFailure onFailure) {
        String prefix = "@DistributedLock on " + description + ": ";
        if (Modifier.isStatic(method.getModifiers()) || Modifier.isPrivate(method.getModifiers())) {
            throw new LockConfigurationException(prefix + "a " + (Modifier.isStatic(method.getModifiers())
                    ? "static" : "private") + " method is never called through the proxy, so it would run unlocked."
                    + " Make it a public instance method");
        }
        Class<?> returnType = method.getReturnType();
        if (isAsync(returnType)) {
            throw new LockConfigurationException(prefix + "the method returns " + returnType.getName()
                    + ", so the lock would be released when the work starts, not when it ends. Lock inside the"
                    + " asynchronous work instead, or return its result");
        }
        if (onFailure == OnFailure.SKIP && returnType.isPrimitive() && returnType != void.class) {
            throw new LockConfigurationException(prefix + "onFailure SKIP returns null when the lock is not acquired,"
                    + " but the method returns " + returnType.getName() + ". Return void, a reference type or"
                    + " Optional, or use onFailure THROW");
        }
    }

    private static boolean isAsync(Class<?> type) {
        if (Future.class.isAssignableFrom(type) || CompletionStage.class.isAssignableFrom(type)
                || Flow.Publisher.class.isAssignableFrom(type)) {
            return true;
        }
        return reactiveStreamsPresent && ReactiveAdapterRegistry.getSharedInstance().getAdapter(type) != null;
    }

    private static @Nullable Duration duration(String attribute, String field, String description,
            UnaryOperator<String> placeholders) {
        if (!StringUtils.hasText(attribute)) {
            return null;
        }
        String value = placeholders.apply(attribute);
        if (!StringUtils.hasText(value)) {
            return null;
        }
        String prefix = "@DistributedLock on " + description + ": ";
        if (value.contains("${")) {
            throw new LockConfigurationException(prefix + "'" + field + "' value '" + value + "' has a placeholder"
                    + " that could not be resolved. Define the property or give a duration");
        }
        Duration duration;
        try {
            duration = DurationFormatterUtils.detectAndParse(value.trim(), DurationFormat.Unit.MILLIS);
        }
        catch (RuntimeException ex) {
            throw new LockConfigurationException(prefix + "'" + field + "' value '" + value + "' is not a duration."
                    + " Use e.g. \"10s\", \"500ms\", \"PT1M\" or a number of milliseconds");
        }
        if (duration.isNegative()) {
            throw new LockConfigurationException(prefix + "'" + field + "' must be zero" + (field.equals("expire")
                    ? " (never expires)" : "") + " or positive but was " + duration);
        }
        try {
            // The core's own limits, so the annotation accepts exactly what LockSettings does.
            if (field.equals("timeout") || field.equals("holdAtLeast")) {
                LockSettings.defaults().withTimeout(duration);
            }
            else if (!duration.isZero()) {
                LockSettings.defaults().withExpire(duration);
            }
        }
        catch (LockConfigurationException ex) {
            throw new LockConfigurationException(prefix + ex.getMessage());
        }
        return duration;
    }

    private static String describe(Method method, Class<?> targetClass) {
        return ClassUtils.getShortName(targetClass) + "." + method.getName() + Arrays.stream(method.getParameterTypes())
                .map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"));
    }
}
