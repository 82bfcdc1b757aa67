package dev.sherlock.redis;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release channel's subscription never holds the backend up: a server that accepts connections but never answers
 * (hung, or not Redis) costs the backend's construction a short bounded wait, not the client's command timeout, and
 * its waiters poll until a subscription is made.
 */
class RedisSubscriptionTests {

    @Test
    void aServerThatNeverAnswersHoldsConstructionAndCloseOnlyBriefly() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ReleaseNotifications.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        LettuceConnectionFactory factory = null;
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            factory = RedisTestSupport.factory("127.0.0.1", silent.getLocalPort());
            long started = System.nanoTime();
            RedisBackend backend = RedisBackend.builder().connectionFactory(factory).build();
            Duration construction = Duration.ofNanos(System.nanoTime() - started);

            assertThat(construction).as("not Lettuce's 60 s command timeout").isLessThan(Duration.ofSeconds(30));
            assertThat(backend.notifications()).isNotNull();
            assertThat(backend.notifications().listening()).isFalse();
            assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage()).contains("sherlock:releases")
                            .contains("poll"));

            started = System.nanoTime();
            backend.close();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("close waits for no subscription")
                    .isLessThan(Duration.ofSeconds(30));
        }
        finally {
            logger.detachAppender(events);
            if (factory != null) {
                factory.destroy();
            }
        }
    }
}
