package dev.sherlock.kubernetes;

import java.io.IOException;
import java.io.InputStream;
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

    /** How much of the file is read. */
    private static final int MAX_BYTES = 256;

    private static final Logger logger = LoggerFactory.getLogger(ServiceAccountNamespace.class);

    private ServiceAccountNamespace() {
    }

    /**
     * The namespace the file names, trimmed; {@value KubernetesBackend#DEFAULT_NAMESPACE} when the file is missing or
     * blank, and (with a warning) when it cannot be read.
     * @throws LockConfigurationException if the file names something that is not a valid Kubernetes namespace
     */
    static String read(Path file) {
        if (!Files.exists(file)) {
            logger.debug("Backend kubernetes: no namespace configured and no {}, Leases go to namespace '{}'", file,
                    KubernetesBackend.DEFAULT_NAMESPACE);
            return KubernetesBackend.DEFAULT_NAMESPACE;
        }
        String content;
        try (InputStream in = Files.newInputStream(file)) {
            // A namespace is at most 63 characters: read no more than a little beyond, whatever the file holds.
            content = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8).trim();
        }
        catch (IOException | RuntimeException ex) {
            // In a pod whose file we cannot read, 'default' may not be the namespace meant: say so.
            logger.warn("Backend kubernetes: no namespace is configured and the service account namespace file {}"
                    + " cannot be read ({}), so Leases go to namespace '{}'. Configure sherlock.kubernetes.namespace",
                    file, ex.toString(), KubernetesBackend.DEFAULT_NAMESPACE);
            return KubernetesBackend.DEFAULT_NAMESPACE;
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
