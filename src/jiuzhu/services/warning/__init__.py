"""Early warning 预警监测 (calc-contract §11): bulk scan, real-time evaluation, the monitoring
list, pushes to departments and their feedback."""
