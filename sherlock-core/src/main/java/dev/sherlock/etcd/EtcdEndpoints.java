package dev.sherlock.etcd;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import dev.sherlock.LockConfigurationException;
import org.jspecify.annotations.Nullable;

/** Parses the etcd members' client URLs a backend connects to. */
final class EtcdEndpoints {

    private EtcdEndpoints() {
    }

    /**
     * The URLs, from elements that may themselves be comma-separated lists.
     * @throws LockConfigurationException if there is none or one is not an http(s) URL with a host and port
     */
    static List<URI> parse(@Nullable Collection<String> endpoints) {
        List<URI> uris = new ArrayList<>();
        if (endpoints != null) {
            for (String element : endpoints) {
                for (String endpoint : element == null ? new String[0] : element.split(",")) {
                    if (!endpoint.isBlank()) {
                        uris.add(endpoint(endpoint.strip()));
                    }
                }
            }
        }
        if (uris.isEmpty()) {
            throw new LockConfigurationException("Backend etcd: 'endpoints' must name at least one etcd member, e.g."
                    + " http://etcd-0:2379");
        }
        return uris;
    }

    private static URI endpoint(String text) {
        int at = text.indexOf('@');
        if (at >= 0 && text.indexOf("://") >= 0 && at > text.indexOf("://")) {
            // Never echo it: the part before '@' is probably a user and password.
            throw new LockConfigurationException("Backend etcd: 'endpoints' contains a URL with user information"
                    + " (user:password@host), which is neither used nor kept secret there. Give the host and port"
                    + " only, and the credentials as username and password (sherlock.etcd.username/password)");
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme();
            if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null
                    && uri.getPort() > 0) {
                return uri;
            }
        }
        catch (URISyntaxException ex) {
            // reported below with the expected form
        }
        throw new LockConfigurationException("Backend etcd: 'endpoints' contains '" + text + "', which is not an etcd"
                + " client URL. Use the form http://host:2379 (or https://)");
    }
}
