build2/obj/grader/question.o: grader/question.c grader/question.h \
 grader/course.h labvm/vm.h labvm/lab.h common/util.h labvm/proto.h \
 common/run.h common/util.h common/paths.h labvm/session.h labvm/vm.h
grader/question.h:
grader/course.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
common/paths.h:
labvm/session.h:
labvm/vm.h:
