package dev.sherlock.sample;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The sample's entry point. {@code demo [options]} runs the contention demo, which starts several worker processes;
 * anything else starts one worker, a Spring Boot application that deposits into shared accounts under
 * {@code @DistributedLock} and schedules a job that runs on one worker per tick ({@code @ScheduledJobLock}).
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
@EnableScheduling
public class SampleApplication {

    /**
     * Runs the demo or one worker.
     * @param args {@code demo} and its options, or Spring Boot arguments for a worker
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("demo")) {
            System.exit(ContentionDemo.main(Arrays.copyOfRange(args, 1, args.length)));
        }
        // A worker ends when its runner is done: closing stops its scheduled job.
        SpringApplication.run(SampleApplication.class, args).close();
    }
}
