package dev.sherlock.spring.aop;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockException;
import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.expression.ParserContext;
import org.springframework.expression.common.CompositeStringExpression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

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
        Expression expression;
        try {
            expression = getExpression(expressions, spec.element(), spec.name());
        }
        catch (ExpressionException ex) {
            throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": 'name' '"
                    + spec.name() + "' is not a valid template: " + ex.getSimpleMessage());
        }
        Set<String> known = new HashSet<>(Set.of("root", "this"));
        String[] parameters = getParameterNameDiscoverer().getParameterNames(spec.method());
        for (int i = 0; i < spec.method().getParameterCount(); i++) {
            known.add("p" + i);
            known.add("a" + i);
            if (parameters != null) {
                known.add(parameters[i]);
            }
        }
        List<Expression> parts = expression instanceof CompositeStringExpression composite
                ? List.of(composite.getExpressions()) : List.of(expression);
        for (Expression part : parts) {
            if (part instanceof SpelExpression spel) {
                checkVariables(spel.getAST(), known, spec);
            }
        }
    }

    private static void checkVariables(SpelNode node, Set<String> known, LockSpec spec) {
        if (node instanceof VariableReference) {
            String variable = node.toStringAST().substring(1);
            if (!known.contains(variable)) {
                throw new LockConfigurationException("@DistributedLock on " + spec.description() + ": 'name' '"
                        + spec.name() + "' uses #" + variable + ", which is not a parameter of the method."
                        + " Use one of " + new TreeSet<>(known) + " (names need the -parameters flag)");
            }
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            checkVariables(node.getChild(i), known, spec);
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
