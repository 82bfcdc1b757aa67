package dev.sherlock.kubernetes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.sherlock.LockConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes namespace of the Lease objects when none is configured: the pod's own namespace, as the service
 * account's namespace file (mounted in every pod that mounts its token) names it, otherwise
 * {@value KubernetesBackend#DEFAULT_NAMESPACE}.
 */
final class ServiceAccountNamespace {

    /** Where Kubernetes mounts the namespace of a pod's service account. */
    static final Path FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    private static final Logger logger = LoggerFactory.getLogger(ServiceAccountNamespace.class);

    private ServiceAccountNamespace() {
    }

    /**
     * The namespace the file names, trimmed; {@value KubernetesBackend#DEFAULT_NAMESPACE} when the file is missing,
     * unreadable or blank.
     * @throws LockConfigurationException if the file names something that is not a valid Kubernetes namespace
     */
    static String read(Path file) {
        String content;
        try {
            content = Files.isReadable(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : "";
        }
        catch (IOException | RuntimeException ex) {
            // Outside a pod, or a file we cannot read: the documented fallback, not a configuration error.
            logger.debug("Backend kubernetes: cannot read the service account namespace file {}: {}", file,
                    ex.toString());
            content = "";
        }
        if (content.isEmpty()) {
            logger.debug("Backend kubernetes: no namespace configured and none in {}, Leases go to namespace '{}'",
                    file, KubernetesBackend.DEFAULT_NAMESPACE);
            return KubernetesBackend.DEFAULT_NAMESPACE;
        }
        if (!LeaseNames.isKubernetesNamespace(content)) {
            throw new LockConfigurationException("Backend kubernetes: no namespace is configured, and the service"
                    + " account namespace file " + file + " holds '" + shown(content) + "', which is not a valid"
                    + " Kubernetes namespace (a DNS-1123 label), so the Lease objects have no namespace. Configure"
                    + " the namespace explicitly (sherlock.kubernetes.namespace)");
        }
        logger.debug("Backend kubernetes: no namespace configured, Leases go to the pod's namespace '{}' (from {})",
                content, file);
        return content;
    }

    private static String shown(String content) {
        return content.length() <= 100 ? content : content.substring(0, 100) + "...";
    }
}
