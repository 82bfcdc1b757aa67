package dev.sherlock.spring.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.annotation.DistributedLock.OnFailure;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Holds the lock of a {@link DistributedLock} method around each call: acquire, proceed (with the lock bound to the
 * thread as {@link CurrentLock}), always release. The target's exceptions pass through unchanged.
 */
final class DistributedLockInterceptor implements MethodInterceptor {

    private static final Logger logger = LoggerFactory.getLogger(DistributedLockInterceptor.class);

    /** The name of the handle {@link #checkRegistries()} makes to check settings. */
    private static final String SETTINGS_PROBE = "settings-check";

    private final Supplier<? extends LockRegistry> registry;

    private final Function<String, LockRegistry> namedRegistries;

    private final UnaryOperator<String> placeholders;

    private final LockNameEvaluator names = new LockNameEvaluator();

    private final Map<MethodClassKey, LockSpec> specs = new ConcurrentHashMap<>();

    /**
     * Creates the interceptor.
     * @param registry supplies the only or primary registry on the first call, not before
     * @param namedRegistries finds a registry by bean name, for {@link DistributedLock#registry()}
     * @param placeholders resolves {@code ${...}} in duration attributes
     */
    DistributedLockInterceptor(Supplier<? extends LockRegistry> registry,
            Function<String, LockRegistry> namedRegistries, UnaryOperator<String> placeholders) {
        this.registry = registry;
        this.namedRegistries = namedRegistries;
        this.placeholders = placeholders;
    }

    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
        Method method = invocation.getMethod();
        Object target = invocation.getThis();
        LockSpec spec = spec(method, target != null ? AopUtils.getTargetClass(target) : method.getDeclaringClass());
        if (spec == null) {
            return invocation.proceed();
        }
        LockRegistry registry = registryOf(spec);
        LockSettings settings = spec.settings(registry.settings());
        Lock lock = registry.getLock(names.name(spec, invocation.getArguments()), settings);
        if (spec.onFailure() == OnFailure.SKIP) {
            if (!LockNameTemplate.whileAcquiring(spec.name(), () -> lock.tryAcquire(settings.timeout()))) {
                logger.debug("{}: not acquired within {}; skipping {}", lock, settings.timeout(), spec.description());
                return spec.skippedResult();
            }
        }
        else {
            LockNameTemplate.whileAcquiring(spec.name(), () -> {
                lock.acquire();
                return true;
            });
        }
        Throwable failure = null;
        boolean entered = false;
        try {
            CurrentLock.enter(lock);
            entered = true;
            return invocation.proceed();
        }
        catch (Throwable ex) {
            failure = ex;
            throw ex;
        }
        finally {
            if (entered) {
                CurrentLock.exit();
            }
            release(lock, spec, failure);
        }
    }

    /**
     * Resolves and checks every annotated method of a class that was just proxied, so mistakes fail at startup.
     * @param targetClass the proxied bean's class
     * @param classProxy whether the proxy subclasses the bean, so final methods are not intercepted
     * @throws LockConfigurationException if an annotation cannot be honoured
     */
    void validate(Class<?> targetClass, boolean classProxy) {
        ReflectionUtils.doWithMethods(targetClass, method -> {
            LockSpec spec = spec(method, targetClass);
            if (spec != null && classProxy && Modifier.isFinal(method.getModifiers())) {
                throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": a final method"
                        + " is not intercepted by the class proxy, so it would run unlocked. Remove 'final'");
            }
        }, method -> !method.isBridge() && !method.isSynthetic()
                && AnnotatedElementUtils.hasAnnotation(method, DistributedLock.class));
    }

    /**
     * Once the application's beans exist, finds the registry of every annotation, and checks the expiries annotations
     * set against what that registry's backend can keep, so a missing or ambiguous registry or such an expiry fails
     * at startup rather than at each call.
     * @throws LockConfigurationException naming the annotated method if its registry cannot be found or its backend
     *     cannot keep its expiry
     */
    void checkRegistries() {
        for (LockSpec spec : specs.values()) {
            LockRegistry registry;
            try {
                registry = registryOf(spec);
            }
            catch (RuntimeException ex) {
                throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": "
                        + (spec.registry().isEmpty() ? "no single LockRegistry to use: " + ex.getMessage()
                                + ". Mark one registry @Primary, or name one with @DistributedLock(registry = ...)"
                                : "'registry' is '" + spec.registry() + "', which is not a LockRegistry bean: "
                                        + ex.getMessage()), ex);
            }
            spec.checkMinimumHold(registry.settings());
            if (!spec.overridesExpire()) {
                continue;
            }
            try {
                // A handle is only a description: making one checks its settings and calls no backend.
                registry.getLock(SETTINGS_PROBE, spec.settings(registry.settings()));
            }
            catch (LockConfigurationException ex) {
                String message = ex.getMessage() == null ? "" : ex.getMessage();
                int detail = message.indexOf("): ");
                throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": "
                        + (detail >= 0 ? message.substring(detail + 3) : message));
            }
        }
    }

    private LockRegistry registryOf(LockSpec spec) {
        return spec.registry().isEmpty() ? registry.get() : namedRegistries.apply(spec.registry());
    }

    private @Nullable LockSpec spec(Method method, Class<?> targetClass) {
        MethodClassKey key = new MethodClassKey(method, targetClass);
        LockSpec spec = specs.get(key);
        if (spec != null) {
            return spec;
        }
        spec = LockSpec.of(method, targetClass, placeholders);
        if (spec == null) {
            return null;
        }
        names.check(spec);
        LockSpec existing = specs.putIfAbsent(key, spec);
        return existing != null ? existing : spec;
    }

    /**
     * Releases, or keeps the lock for its minimum hold, whether or not the method threw (the run took place). The
     * target's exception wins over a failed release, which is attached to it instead of replacing it.
     */
    private static void release(Lock lock, LockSpec spec, @Nullable Throwable failure) {
        if (failure == null) {
            release(lock, spec);
            return;
        }
        try {
            release(lock, spec);
        }
        catch (RuntimeException ex) {
            failure.addSuppressed(ex);
        }
    }

    private static void release(Lock lock, LockSpec spec) {
        Duration minimum = spec.holdAtLeast();
        if (minimum == null) {
            lock.release();
        }
        else {
            lock.releaseHeldAtLeast(minimum);
        }
    }
}
