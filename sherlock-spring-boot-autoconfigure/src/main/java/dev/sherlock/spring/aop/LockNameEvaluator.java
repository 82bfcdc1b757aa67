package dev.sherlock.spring.aop;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockException;
import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.expression.ParserContext;

/**
 * Evaluates lock names such as {@code "invoice-#{#id}"}: SpEL template expressions over the method's arguments,
 * where only {@code #{...}} is an expression and any other {@code #} is literal. Parsed expressions are cached per
 * method and target class.
 */
final class LockNameEvaluator extends CachedExpressionEvaluator {

    private final Map<ExpressionKey, Expression> expressions = new ConcurrentHashMap<>(64);

    @Override
    protected Expression parseExpression(String expression) {
        return getParser().parseExpression(expression, ParserContext.TEMPLATE_EXPRESSION);
    }

    /**
     * Parses the spec's name now, so a syntax error fails at startup.
     * @param spec the method's lock spec
     * @throws LockConfigurationException if the name is not a valid template
     */
    void check(LockSpec spec) {
        if (!spec.template()) {
            return;
        }
        try {
            getExpression(expressions, spec.element(), spec.name());
        }
        catch (ExpressionException ex) {
            throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": 'name' '"
                    + spec.name() + "' is not a valid template: " + ex.getSimpleMessage());
        }
    }

    /**
     * The lock name of one call.
     * @param spec the method's lock spec
     * @param arguments the call's arguments
     * @return the name; the spec's name itself when it has no expression
     * @throws LockException if an expression fails
     */
    String name(LockSpec spec, @Nullable Object[] arguments) {
        if (!spec.template()) {
            return spec.name();
        }
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(null, spec.method(), arguments,
                getParameterNameDiscoverer());
        try {
            String name = getExpression(expressions, spec.element(), spec.name()).getValue(context, String.class);
            return name != null ? name : "";
        }
        catch (ExpressionException ex) {
            throw new LockException("@DistributedLock on " + spec.description() + ": 'name' '" + spec.name()
                    + "' could not be evaluated: " + ex.getSimpleMessage() + ". The method was not called", ex);
        }
    }
}
