package dev.sherlock;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who is told about the locks of one registry or standalone handle: its {@link LockListener}s and its
 * {@link LockObserver}, which may be set or replaced at any time.
 */
final class Watchers {

    final List<LockListener> listeners = new CopyOnWriteArrayList<>();

    private volatile LockObserver observer = Observers.NONE;

    LockObserver observer() {
        return observer;
    }

    void observeWith(LockObserver observer) {
        this.observer = Observers.guard(observer);
    }
}
