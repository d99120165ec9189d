package io.shardline.gateway.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Style;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.ArrayList;
import java.util.List;

/**
 * The contract's check of a {@code GET} whose only parameters are in its path (such as
 * {@code GET jobs/{id}}), done on the event loop with one schema validator per parameter, built
 * once. Vert.x OpenAPI's request validation (5.0) builds a new schema validator for every
 * parameter of every request (copying the contract's schema tables) and runs it on a worker
 * thread, ordered per context, so one at a time: in a profile of {@code GET jobs/{id}} under wrk
 * that was most of a gateway's CPU, and a queue every request waited in. The checks are the
 * contract's own schemas, transformed and validated as Vert.x OpenAPI does, and a bad value fails
 * the same way (400 with the validator's message).
 */
final class PathParameterCheck implements Handler<RoutingContext> {
  private static final SimpleTransformer SIMPLE = new SimpleTransformer();

  private record Checked(Parameter parameter, Validator validator) {}

  private final List<Checked> parameters;

  private PathParameterCheck(List<Checked> parameters) {
    this.parameters = parameters;
  }

  /** The check for {@code op}, or null when it does not apply (another method, a body, a query, header or cookie parameter, a style other than simple). */
  static PathParameterCheck of(Operation op, SchemaRepository schemas) {
    if (op.getHttpMethod() != HttpMethod.GET || op.getRequestBody() != null) {
      return null;
    }
    List<Checked> checked = new ArrayList<>();
    for (Parameter p : op.getParameters()) {
      if (p.getIn() != Location.PATH || p.getStyle() != Style.SIMPLE || p.isExplode()) {
        return null;
      }
      checked.add(new Checked(p, schemas.validator(p.getSchema())));
    }
    return new PathParameterCheck(List.copyOf(checked));
  }

  @Override
  public void handle(RoutingContext rc) {
    for (Checked c : parameters) {
      try {
        check(c, rc.pathParam(c.parameter().getName()));
      } catch (ValidatorException e) {
        rc.fail(new HttpException(400, e.getMessage(), e)); // as Vert.x OpenAPI's own validation fails
        return;
      }
    }
    rc.next();
  }

  private static void check(Checked c, String raw) {
    Parameter p = c.parameter();
    if (raw == null) {
      if (p.isRequired()) {
        throw ValidatorException.createMissingRequiredParameter(p);
      }
      return;
    }
    Object value = SIMPLE.transform(p, raw);
    OutputUnit out = c.validator().validate(value);
    try {
      out.checkValidity();
    } catch (JsonSchemaValidationException e) {
      throw SchemaValidationException.createErrorFromOutputUnitType(p, out, e);
    }
  }
}
