/**
 * Placeholder outputs of the monitoring resource types, in the shape AWS returns them, so that
 * dashboard bodies (alarm ARNs), topic policies (topic ARN) and offline plans are concrete.
 * In the run's account and region, as every placeholder.
 */
import { arnIn, type AwsLocation, PLACEHOLDER_LOCATION, type Rule } from "./placeholder-kit";

const cloudwatchArn = (at: AwsLocation, resource: string) => arnIn(at, "cloudwatch", resource);

export const PLACEHOLDER_RULES_MONITORING: Record<string, Rule> = {
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, i, at = PLACEHOLDER_LOCATION) => {
    const alarmName = String(i.name ?? name);
    return { id: alarmName, extra: { arn: cloudwatchArn(at, `alarm:${alarmName}`) } };
  },
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": (name, i, at = PLACEHOLDER_LOCATION) => {
    const alarmName = String(i.alarmName ?? name);
    return { id: alarmName, extra: { arn: cloudwatchArn(at, `alarm:${alarmName}`) } };
  },
  "aws:cloudwatch/dashboard:Dashboard": (name, i, at = PLACEHOLDER_LOCATION) => {
    const dashboardName = String(i.dashboardName ?? name);
    // Dashboards are global: their ARN has no region.
    return { id: dashboardName, extra: { dashboardArn: `arn:aws:cloudwatch::${at.account}:dashboard/${dashboardName}` } };
  },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": (name, i) => ({ id: String(i.name ?? name) }),
  "aws:sns/topicPolicy:TopicPolicy": (_name, i) => ({ id: String(i.arn ?? "") }),
};
