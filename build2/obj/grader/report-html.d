build2/obj/grader/report-html.o: grader/report-html.c grader/report.h \
 common/util.h
grader/report.h:
common/util.h:
