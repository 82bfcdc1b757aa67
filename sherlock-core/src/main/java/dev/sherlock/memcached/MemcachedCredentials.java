package dev.sherlock.memcached;

import dev.sherlock.LockConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * The SASL PLAIN user a {@link MemcachedBackend} authenticates as on the client it creates. {@link #toString()} names
 * the user only: the password appears in no message and no log line.
 */
record MemcachedCredentials(String username, String password) {

    MemcachedCredentials(@Nullable String username, @Nullable String password) {
        if (username == null || username.isBlank()) {
            throw new LockConfigurationException("Backend memcached: 'username' must not be blank when credentials"
                    + " are given; SASL authentication needs the user to authenticate as");
        }
        if (password == null) {
            throw new LockConfigurationException("Backend memcached: 'password' of user '" + username + "' must not"
                    + " be null; SASL authentication needs it");
        }
        this.username = username;
        this.password = password;
    }

    @Override
    public String toString() {
        return "SASL user '" + username + "'";
    }
}
