/**
 * Placeholder outputs of the monitoring resource types, in the shape AWS returns them, so that
 * dashboard bodies (alarm ARNs), topic policies (topic ARN) and offline plans are concrete.
 * Same account and region as `placeholders.ts`.
 */
import { PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION } from "./placeholders";

import type { Rule } from "./placeholders";

const cloudwatchArn = (resource: string) => `arn:aws:cloudwatch:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:${resource}`;

export const PLACEHOLDER_RULES_MONITORING: Record<string, Rule> = {
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, i) => {
    const alarmName = String(i.name ?? name);
    return { id: alarmName, extra: { arn: cloudwatchArn(`alarm:${alarmName}`) } };
  },
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": (name, i) => {
    const alarmName = String(i.alarmName ?? name);
    return { id: alarmName, extra: { arn: cloudwatchArn(`alarm:${alarmName}`) } };
  },
  "aws:cloudwatch/dashboard:Dashboard": (name, i) => {
    const dashboardName = String(i.dashboardName ?? name);
    // Dashboards are global: their ARN has no region.
    return { id: dashboardName, extra: { dashboardArn: `arn:aws:cloudwatch::${PLACEHOLDER_ACCOUNT}:dashboard/${dashboardName}` } };
  },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": (name, i) => ({ id: String(i.name ?? name) }),
  "aws:sns/topicPolicy:TopicPolicy": (_name, i) => ({ id: String(i.arn ?? "") }),
};
