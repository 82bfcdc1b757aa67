package dev.sherlock.spring.boot.autoconfigure;

import java.util.List;
import java.util.function.Consumer;

import dev.sherlock.LockListener;
import dev.sherlock.LockLostException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * The application's {@link LockListener} beans, as one listener of the auto-configured registry
 * ({@link #asListener()}). They are looked up when an event comes, not when the registry is made, so a listener bean
 * may itself depend on the registry; once every singleton exists, the list is kept. (Not a {@link LockListener}
 * bean itself, which would make it one of the beans it tells.)
 */
final class ListenerBeans implements SmartInitializingSingleton {

    private static final Logger logger = LoggerFactory.getLogger(ListenerBeans.class);

    private final ObjectProvider<LockListener> beans;

    private volatile @Nullable List<LockListener> resolved;

    ListenerBeans(ObjectProvider<LockListener> beans) {
        this.beans = beans;
    }

    @Override
    public void afterSingletonsInstantiated() {
        resolved = beans.orderedStream().toList();
    }

    /** The one listener that tells every listener bean, in order. */
    LockListener asListener() {
        return new LockListener() {
            @Override
            public void acquired(String name, long fencingToken) {
                each(listener -> listener.acquired(name, fencingToken));
            }

            @Override
            public void released(String name) {
                each(listener -> listener.released(name));
            }

            @Override
            public void lost(String name, LockLostException cause) {
                each(listener -> listener.lost(name, cause));
            }
        };
    }

    /** A failing listener is logged and the others are still told, as the registry does with its own. */
    private void each(Consumer<LockListener> event) {
        List<LockListener> listeners = resolved;
        (listeners != null ? listeners.stream() : beans.orderedStream()).forEach(listener -> {
            try {
                event.accept(listener);
            }
            catch (RuntimeException ex) {
                logger.warn("Lock listener bean {} failed", listener, ex);
            }
        });
    }
}
