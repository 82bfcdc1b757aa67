/**
 * The Kubernetes backend: locks as {@code coordination.k8s.io/v1} Lease objects, with resourceVersion-guarded writes
 * and expiry judged on this JVM's clock.
 */
@NullMarked
package dev.sherlock.kubernetes;

import org.jspecify.annotations.NullMarked;
